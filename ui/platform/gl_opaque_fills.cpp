#include "ui/platform/gl_opaque_fills.h"

#define GL_GLEXT_PROTOTYPES 1  // the framebuffer objects of OpenGL 3, exported by libGL
#include <GLFW/glfw3.h>
#include <GL/glext.h>

#include "ui/platform/gl_shader.h"
#include <imgui.h>

#include <initializer_list>

namespace perfloop::ui {

namespace {

// The colour-only program behind LayerRenderer::opaque_fills(): ImGui's own
// vertex shader with a fragment shader that neither samples the font
// texture nor blends. A draw callback is a plain function, so its state is
// the file's; there is one OpenGL context per process.
struct OpaqueFills {
  GLuint program = 0;
  GLint projection = -1;
  bool failed = false;        // the program did not build: ImGui's own draws the fills, as before
  GLuint imgui_program = 0;   // whose projection is copied, and where
  GLint imgui_projection = -1;

  // Builds the program with the attribute locations of ImGui's, so the
  // vertex layout ImGui set up serves both (the UV attribute goes unread).
  bool build(GLuint imgui) {
    const char* vertex =
        "#version 130\n"
        "uniform mat4 ProjMtx;\n"
        "in vec2 Position;\nin vec4 Color;\n"
        "out vec4 Frag_Color;\n"
        "void main() { Frag_Color = Color; gl_Position = ProjMtx * vec4(Position.xy, 0, 1); }\n";
    const char* fragment =
        "#version 130\n"
        "in vec4 Frag_Color;\nout vec4 Out_Color;\n"
        "void main() { Out_Color = Frag_Color; }\n";
    const GLuint vs = compile_shader(GL_VERTEX_SHADER, vertex), fs = compile_shader(GL_FRAGMENT_SHADER, fragment);
    if (!vs || !fs) {
      if (vs) glDeleteShader(vs);
      if (fs) glDeleteShader(fs);
      return false;
    }
    program = glCreateProgram();
    glAttachShader(program, vs);
    glAttachShader(program, fs);
    for (const char* name : {"Position", "Color"}) {
      const GLint at = glGetAttribLocation(imgui, name);
      if (at >= 0) glBindAttribLocation(program, static_cast<GLuint>(at), name);
    }
    glLinkProgram(program);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint linked = 0;
    glGetProgramiv(program, GL_LINK_STATUS, &linked);
    if (!linked) return false;
    projection = glGetUniformLocation(program, "ProjMtx");
    return projection >= 0;
  }

  void release() {
    if (program) glDeleteProgram(program);
    *this = OpaqueFills{};
  }
};

OpaqueFills g_fills;

}  // namespace

namespace {

// Called by ImGui's renderer in place of a draw: ImGui's program is bound,
// with this pass's projection (the window's, or a layer's) set on it.
void use_opaque_fills(const ImDrawList*, const ImDrawCmd*) {
  GLint current = 0;
  glGetIntegerv(GL_CURRENT_PROGRAM, &current);
  const auto imgui = static_cast<GLuint>(current);
  if (g_fills.failed || imgui == 0) return;
  if (!g_fills.program && !g_fills.build(imgui)) {
    g_fills.release();
    g_fills.failed = true;
    return;
  }
  if (g_fills.imgui_program != imgui) {
    g_fills.imgui_program = imgui;
    g_fills.imgui_projection = glGetUniformLocation(imgui, "ProjMtx");
  }
  if (g_fills.imgui_projection < 0) return;
  GLfloat projection[16];
  glGetUniformfv(imgui, g_fills.imgui_projection, projection);
  glUseProgram(g_fills.program);
  glUniformMatrix4fv(g_fills.projection, 1, GL_FALSE, projection);
  glDisable(GL_BLEND);
}


}  // namespace

ImDrawCallback opaque_fills_callback() { return g_fills.failed ? nullptr : &use_opaque_fills; }

void release_opaque_fills() { g_fills.release(); }

}  // namespace perfloop::ui
