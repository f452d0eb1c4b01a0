// Which pixels of the window a frame changes. Under a software renderer
// every pixel drawn costs CPU time, and most frames of a learning app
// change little: a tooltip follows the pointer, one chart streams, the rest
// stands still. The window keeps what it shows between frames (see
// GlWindow), so a frame only needs to redraw where its geometry differs
// from the previous frame's.
//
// The window is cut into square tiles. Every triangle of the frame (and
// every cached layer copied under them) folds a hash of what it draws (its
// vertices, texture and clip rectangle) into each tile its bounding box
// touches, in drawing order; a tile whose hash differs from the last
// frame's is damaged. Equal hashes mean the same drawing commands in the
// same order over that tile, hence the same pixels.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <vector>

namespace perfloop::ui {

// Framebuffer pixels, top-left origin, [x0, x1) x [y0, y1).
struct PixelRect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return x1 <= x0 || y1 <= y0; }
  long long area() const { return empty() ? 0 : static_cast<long long>(x1 - x0) * (y1 - y0); }
};

class FrameDamage {
 public:
  explicit FrameDamage(int tile_px = 32) : tile_(tile_px) {}

  // Starts a frame of `width` x `height` framebuffer pixels cleared to `background` (an identity of its colour).
  void begin(int width, int height, std::uint64_t background);
  // Something drawn before the draw lists, covering `rect` (framebuffer
  // pixels), whose pixels are fully identified by `identity` (a cached layer).
  void add_rect(PixelRect rect, std::uint64_t identity);
  // The frame's draw lists in the order they are drawn. Positions and clip
  // rectangles are mapped to framebuffer pixels as the OpenGL backend does.
  void add_draw_data(const ImDrawData& data);
  // The box around every tile that changed since the last finished frame
  // (all of the window after begin() of a new size or after invalidate()).
  PixelRect finish();
  // The next frame is damaged everywhere (the window lost its pixels).
  void invalidate() { valid_ = false; }

  int tiles_changed() const { return tiles_changed_; }

 private:
  void fold(PixelRect rect, std::uint64_t value);

  int tile_;
  int width_ = 0, height_ = 0, columns_ = 0, rows_ = 0;
  std::vector<std::uint64_t> current_, previous_;
  bool valid_ = false;  // previous_ describes what the window shows
  int tiles_changed_ = 0;
  std::uint64_t frame_ = 0;  // frames begun: what a draw callback's tiles fold in
};

}  // namespace perfloop::ui
