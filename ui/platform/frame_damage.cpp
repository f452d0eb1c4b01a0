#include "ui/platform/frame_damage.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace perfloop::ui {

namespace {

// Order-sensitive 64-bit mixing (multiply, then fold the high bits down).
inline std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h = (h ^ v) * 0xff51afd7ed558ccdull;
  return h ^ (h >> 32);
}

inline std::uint64_t bits(float a, float b) {
  std::uint32_t x = 0, y = 0;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return (static_cast<std::uint64_t>(x) << 32) | y;
}

inline std::uint64_t vertex_hash(std::uint64_t h, const ImDrawVert& v) {
  h = mix(h, bits(v.pos.x, v.pos.y));
  h = mix(h, bits(v.uv.x, v.uv.y));
  return mix(h, v.col);
}

}  // namespace

void FrameDamage::begin(int width, int height, std::uint64_t background) {
  if (width != width_ || height != height_) {
    width_ = std::max(0, width);
    height_ = std::max(0, height);
    columns_ = (width_ + tile_ - 1) / tile_;
    rows_ = (height_ + tile_ - 1) / tile_;
    previous_.assign(static_cast<std::size_t>(columns_) * static_cast<std::size_t>(rows_), 0);
    valid_ = false;
  }
  current_.assign(previous_.size(), mix(0x9e3779b97f4a7c15ull, background));
  ++frame_;
}

void FrameDamage::fold(PixelRect r, std::uint64_t value) {
  r.x0 = std::max(r.x0, 0);
  r.y0 = std::max(r.y0, 0);
  r.x1 = std::min(r.x1, width_);
  r.y1 = std::min(r.y1, height_);
  if (r.empty()) return;
  const int tx0 = r.x0 / tile_, tx1 = (r.x1 - 1) / tile_;
  const int ty0 = r.y0 / tile_, ty1 = (r.y1 - 1) / tile_;
  for (int ty = ty0; ty <= ty1; ++ty) {
    std::uint64_t* row = current_.data() + static_cast<std::size_t>(ty) * static_cast<std::size_t>(columns_);
    for (int tx = tx0; tx <= tx1; ++tx) row[tx] = mix(row[tx], value);
  }
}

void FrameDamage::add_rect(PixelRect rect, std::uint64_t identity) {
  fold(rect, mix(identity, (static_cast<std::uint64_t>(static_cast<std::uint32_t>(rect.x0)) << 32) |
                               static_cast<std::uint32_t>(rect.y0)));
}

void FrameDamage::add_draw_data(const ImDrawData& data) {
  const ImVec2 offset = data.DisplayPos, scale = data.FramebufferScale;
  const auto to_x = [&](float x) { return (x - offset.x) * scale.x; };
  const auto to_y = [&](float y) { return (y - offset.y) * scale.y; };
  for (int l = 0; l < data.CmdListsCount; ++l) {
    const ImDrawList& list = *data.CmdLists[l];
    const ImDrawVert* vertices = list.VtxBuffer.Data;
    const ImDrawIdx* indices = list.IdxBuffer.Data;
    for (const ImDrawCmd& cmd : list.CmdBuffer) {
      // The pixels the backend lets this command touch (its scissor box).
      PixelRect clip{static_cast<int>(std::floor(to_x(cmd.ClipRect.x))), static_cast<int>(std::floor(to_y(cmd.ClipRect.y))),
                     static_cast<int>(std::ceil(to_x(cmd.ClipRect.z))), static_cast<int>(std::ceil(to_y(cmd.ClipRect.w)))};
      clip.x0 = std::max(clip.x0, 0);
      clip.y0 = std::max(clip.y0, 0);
      clip.x1 = std::min(clip.x1, width_);
      clip.y1 = std::min(clip.y1, height_);
      if (clip.empty()) continue;
      std::uint64_t command = mix(reinterpret_cast<std::uintptr_t>(cmd.TextureId), static_cast<std::uint64_t>(clip.x0) << 32 | static_cast<std::uint32_t>(clip.y0));
      command = mix(command, static_cast<std::uint64_t>(clip.x1) << 32 | static_cast<std::uint32_t>(clip.y1));
      if (cmd.UserCallback) {
        // Code that draws: nothing to compare it by, so all it may touch
        // counts as changed, every frame.
        fold(clip, mix(command, frame_));
        continue;
      }
      for (unsigned int e = 0; e + 2 < cmd.ElemCount; e += 3) {
        const ImDrawVert& a = vertices[indices[cmd.IdxOffset + e] + cmd.VtxOffset];
        const ImDrawVert& b = vertices[indices[cmd.IdxOffset + e + 1] + cmd.VtxOffset];
        const ImDrawVert& c = vertices[indices[cmd.IdxOffset + e + 2] + cmd.VtxOffset];
        // One pixel of margin: a pixel is drawn when its centre is inside,
        // which never leaves the triangle's bounding box, rounded out.
        PixelRect box{static_cast<int>(std::floor(to_x(std::min({a.pos.x, b.pos.x, c.pos.x})))) - 1,
                      static_cast<int>(std::floor(to_y(std::min({a.pos.y, b.pos.y, c.pos.y})))) - 1,
                      static_cast<int>(std::ceil(to_x(std::max({a.pos.x, b.pos.x, c.pos.x})))) + 1,
                      static_cast<int>(std::ceil(to_y(std::max({a.pos.y, b.pos.y, c.pos.y})))) + 1};
        box.x0 = std::max(box.x0, clip.x0);
        box.y0 = std::max(box.y0, clip.y0);
        box.x1 = std::min(box.x1, clip.x1);
        box.y1 = std::min(box.y1, clip.y1);
        if (box.empty()) continue;
        fold(box, vertex_hash(vertex_hash(vertex_hash(command, a), b), c));
      }
    }
  }
}

PixelRect FrameDamage::finish() {
  PixelRect damage;
  tiles_changed_ = 0;
  if (!valid_) {
    damage = PixelRect{0, 0, width_, height_};
    tiles_changed_ = columns_ * rows_;
  } else {
    int tx0 = columns_, ty0 = rows_, tx1 = -1, ty1 = -1;
    for (int ty = 0; ty < rows_; ++ty)
      for (int tx = 0; tx < columns_; ++tx) {
        const std::size_t i = static_cast<std::size_t>(ty) * static_cast<std::size_t>(columns_) + static_cast<std::size_t>(tx);
        if (current_[i] == previous_[i]) continue;
        ++tiles_changed_;
        tx0 = std::min(tx0, tx);
        ty0 = std::min(ty0, ty);
        tx1 = std::max(tx1, tx);
        ty1 = std::max(ty1, ty);
      }
    if (tx1 >= 0)
      damage = PixelRect{tx0 * tile_, ty0 * tile_, std::min((tx1 + 1) * tile_, width_), std::min((ty1 + 1) * tile_, height_)};
  }
  previous_.swap(current_);
  valid_ = true;
  return damage;
}

}  // namespace perfloop::ui
