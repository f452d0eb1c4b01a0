// Opaque fills: the flame graph's boxes drawn by a colour-only, unblended
// OpenGL program instead of ImGui's textured, blended one (about a fifth
// less fill work under Mesa's software renderer, pixel for pixel the same).
// The program is built on first use; if it cannot be, the callback steps
// aside and ImGui draws the fills as before.
#pragma once

#include <imgui.h>

namespace perfloop::ui {

// The draw callback LayerRenderer::opaque_fills() hands out; null once the
// program failed to build.
ImDrawCallback opaque_fills_callback();

// Frees the program, while its OpenGL context still exists.
void release_opaque_fills();

}  // namespace perfloop::ui
