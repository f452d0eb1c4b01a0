// Copies a cached layer's texture onto a framebuffer (the window, or the
// texture a zooming layer is stretched into) as one plain textured
// rectangle: a program that only samples the texture, with no vertex
// colour and no blending. Mesa's software renderer takes glBlitFramebuffer
// through its general path, at about 5 ms for a flame graph's 700,000
// pixels, one pixel per pixel or stretched; a rectangle this plain, drawn
// into a framebuffer with no depth buffer, goes by its linear path in about
// a quarter of that. The program is built on first use; if it cannot be, the
// caller blits.
#pragma once

namespace perfloop::ui {

// Framebuffer pixels in OpenGL's orientation (rows counted from the bottom).
struct TextureCopy {
  unsigned int texture = 0;
  int texture_width = 0;
  int from_x0 = 0, from_x1 = 0;  // the texture's columns, all of its rows
  int to_x0 = 0, to_x1 = 0;      // where they land, stretched if the widths differ
  int to_y0 = 0, to_y1 = 0;      // the texture's first row at to_y0
  int framebuffer_width = 0, framebuffer_height = 0;
};

// Draws `copy` into the bound framebuffer, within the scissor if it is on.
// Leaves blending off and no program, vertex array, buffer or texture
// bound. False when the program could not be built: nothing was drawn.
bool draw_texture_copy(const TextureCopy& copy);

// Frees the program and its buffers, while their OpenGL context still exists.
void release_texture_copy();

}  // namespace perfloop::ui
