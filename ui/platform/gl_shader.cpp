#include "ui/platform/gl_shader.h"

namespace perfloop::ui {

GLuint compile_shader(GLenum type, const char* source) {
  const GLuint shader = glCreateShader(type);
  glShaderSource(shader, 1, &source, nullptr);
  glCompileShader(shader);
  GLint ok = 0;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (ok) return shader;
  glDeleteShader(shader);
  return 0;
}

}  // namespace perfloop::ui
