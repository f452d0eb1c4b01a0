#include "ui/platform/gl_texture_copy.h"

#define GL_GLEXT_PROTOTYPES 1  // the vertex arrays and shaders of OpenGL 3, exported by libGL
#include <GLFW/glfw3.h>
#include <GL/glext.h>

#include "ui/platform/gl_shader.h"

namespace perfloop::ui {

namespace {

constexpr GLuint kPosition = 0, kUv = 1;  // attribute locations, bound before linking

// The program and the one quad it draws; there is one OpenGL context per process.
struct TextureCopyProgram {
  GLuint program = 0, vertex_array = 0, buffer = 0;
  GLint texture_unit = -1;
  bool failed = false;

  bool build() {
    const char* vertex =
        "#version 130\n"
        "in vec2 Position;\nin vec2 UV;\n"
        "out vec2 Frag_UV;\n"
        "void main() { Frag_UV = UV; gl_Position = vec4(Position, 0, 1); }\n";
    const char* fragment =
        "#version 130\n"
        "uniform sampler2D Texture;\n"
        "in vec2 Frag_UV;\nout vec4 Out_Color;\n"
        "void main() { Out_Color = texture(Texture, Frag_UV); }\n";
    const GLuint vs = compile_shader(GL_VERTEX_SHADER, vertex), fs = compile_shader(GL_FRAGMENT_SHADER, fragment);
    if (vs && fs) {
      program = glCreateProgram();
      glAttachShader(program, vs);
      glAttachShader(program, fs);
      glBindAttribLocation(program, kPosition, "Position");
      glBindAttribLocation(program, kUv, "UV");
      glLinkProgram(program);
    }
    if (vs) glDeleteShader(vs);
    if (fs) glDeleteShader(fs);
    GLint linked = 0;
    if (program) glGetProgramiv(program, GL_LINK_STATUS, &linked);
    if (!linked) return false;
    texture_unit = glGetUniformLocation(program, "Texture");
    if (texture_unit < 0) return false;
    glGenVertexArrays(1, &vertex_array);
    glGenBuffers(1, &buffer);
    glBindVertexArray(vertex_array);
    glBindBuffer(GL_ARRAY_BUFFER, buffer);
    glEnableVertexAttribArray(kPosition);
    glEnableVertexAttribArray(kUv);
    glVertexAttribPointer(kPosition, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(GLfloat), nullptr);
    glVertexAttribPointer(kUv, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(GLfloat), reinterpret_cast<const void*>(2 * sizeof(GLfloat)));
    glBindVertexArray(0);
    glBindBuffer(GL_ARRAY_BUFFER, 0);
    return true;
  }

  void release() {
    if (program) glDeleteProgram(program);
    if (vertex_array) glDeleteVertexArrays(1, &vertex_array);
    if (buffer) glDeleteBuffers(1, &buffer);
    *this = TextureCopyProgram{};
  }
};

TextureCopyProgram g_copy;

}  // namespace

bool draw_texture_copy(const TextureCopy& copy) {
  if (g_copy.failed) return false;
  if (!g_copy.program && !g_copy.build()) {
    g_copy.release();
    g_copy.failed = true;
    return false;
  }
  const auto across = [](int at, int size) { return 2.0f * static_cast<GLfloat>(at) / static_cast<GLfloat>(size) - 1.0f; };
  const GLfloat x0 = across(copy.to_x0, copy.framebuffer_width), x1 = across(copy.to_x1, copy.framebuffer_width);
  const GLfloat y0 = across(copy.to_y0, copy.framebuffer_height), y1 = across(copy.to_y1, copy.framebuffer_height);
  const GLfloat u0 = static_cast<GLfloat>(copy.from_x0) / static_cast<GLfloat>(copy.texture_width);
  const GLfloat u1 = static_cast<GLfloat>(copy.from_x1) / static_cast<GLfloat>(copy.texture_width);
  // Two triangles of a list, not a strip: the software renderer only
  // recognises a rectangle (and takes its fast path) in a list.
  const GLfloat quad[] = {x0, y0, u0, 0, x1, y0, u1, 0, x1, y1, u1, 1, x0, y0, u0, 0, x1, y1, u1, 1, x0, y1, u0, 1};
  glDisable(GL_BLEND);
  glUseProgram(g_copy.program);
  glUniform1i(g_copy.texture_unit, 0);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, copy.texture);
  glBindVertexArray(g_copy.vertex_array);
  glBindBuffer(GL_ARRAY_BUFFER, g_copy.buffer);
  glBufferData(GL_ARRAY_BUFFER, sizeof quad, quad, GL_STREAM_DRAW);
  glDrawArrays(GL_TRIANGLES, 0, 6);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  glBindVertexArray(0);
  glBindTexture(GL_TEXTURE_2D, 0);
  glUseProgram(0);
  return true;
}

void release_texture_copy() { g_copy.release(); }

}  // namespace perfloop::ui
