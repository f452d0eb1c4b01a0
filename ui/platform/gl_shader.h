// Compiling one GLSL shader for the few programs the app adds to ImGui's
// (the opaque fills, the texture copy). Needs a current OpenGL context.
#pragma once

#define GL_GLEXT_PROTOTYPES 1  // the shaders of OpenGL 3, exported by libGL
#include <GLFW/glfw3.h>
#include <GL/glext.h>

namespace perfloop::ui {

// The compiled shader, or 0 when it did not compile (the caller falls back).
GLuint compile_shader(GLenum type, const char* source);

}  // namespace perfloop::ui
