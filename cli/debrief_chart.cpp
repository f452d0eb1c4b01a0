#include "cli/debrief_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <vector>

#include <stb_image_write.h>
#include <stb_truetype.h>

namespace perfloop::cli {

namespace {

struct Rgb {
  std::uint8_t r, g, b;
};

constexpr Rgb kInk{40, 44, 52}, kGrid{226, 228, 232}, kLine{37, 99, 235}, kTarget{200, 40, 40}, kPage{217, 119, 6},
    kFix{22, 150, 80}, kWrong{130, 130, 130}, kBack{255, 255, 255};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), pixels_(static_cast<std::size_t>(w * h * 3), 255) {}
  void blend(int x, int y, Rgb c, float alpha) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_ || alpha <= 0) return;
    alpha = std::min(alpha, 1.0f);
    std::uint8_t* p = &pixels_[static_cast<std::size_t>((y * w_ + x) * 3)];
    p[0] = static_cast<std::uint8_t>(p[0] + (c.r - p[0]) * alpha);
    p[1] = static_cast<std::uint8_t>(p[1] + (c.g - p[1]) * alpha);
    p[2] = static_cast<std::uint8_t>(p[2] + (c.b - p[2]) * alpha);
  }
  void rect(int x0, int y0, int x1, int y1, Rgb c) {
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) blend(x, y, c, 1.0f);
  }
  // A line `width` pixels wide: every pixel within width/2 of the segment,
  // with a soft edge.
  void line(double x0, double y0, double x1, double y1, Rgb c, double width, double dash = 0) {
    const int minx = static_cast<int>(std::floor(std::min(x0, x1) - width)), maxx = static_cast<int>(std::ceil(std::max(x0, x1) + width));
    const int miny = static_cast<int>(std::floor(std::min(y0, y1) - width)), maxy = static_cast<int>(std::ceil(std::max(y0, y1) + width));
    const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    for (int y = miny; y <= maxy; ++y)
      for (int x = minx; x <= maxx; ++x) {
        double t = len2 > 0 ? ((x - x0) * dx + (y - y0) * dy) / len2 : 0.0;
        t = std::clamp(t, 0.0, 1.0);
        if (dash > 0 && std::fmod(t * std::sqrt(len2), 2 * dash) > dash) continue;
        const double px = x0 + t * dx - x, py = y0 + t * dy - y;
        const double d = std::sqrt(px * px + py * py);
        blend(x, y, c, static_cast<float>(std::clamp(width / 2 + 0.5 - d, 0.0, 1.0)));
      }
  }
  int width() const { return w_; }
  int height() const { return h_; }
  const std::uint8_t* data() const { return pixels_.data(); }

 private:
  int w_, h_;
  std::vector<std::uint8_t> pixels_;
};

class Font {
 public:
  explicit Font(float pixels) {
    for (const char* path : {"/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf",
                             "/usr/share/fonts/opentype/inter/Inter-Regular.otf"}) {
      std::ifstream in(path, std::ios::binary);
      if (!in) continue;
      bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      if (!bytes_.empty() && stbtt_InitFont(&info_, bytes_.data(), stbtt_GetFontOffsetForIndex(bytes_.data(), 0))) {
        ok_ = true;
        scale_ = stbtt_ScaleForPixelHeight(&info_, pixels);
        int ascent = 0, descent = 0, gap = 0;
        stbtt_GetFontVMetrics(&info_, &ascent, &descent, &gap);
        ascent_ = static_cast<int>(std::lround(ascent * scale_));
        return;
      }
    }
  }
  int width(const std::string& text) const {
    if (!ok_) return 0;
    int w = 0;
    for (unsigned char c : text) {
      int advance = 0, lsb = 0;
      stbtt_GetCodepointHMetrics(&info_, c, &advance, &lsb);
      w += static_cast<int>(std::lround(advance * scale_));
    }
    return w;
  }
  // Draws `text` with its top at y.
  void draw(Canvas& canvas, int x, int y, const std::string& text, Rgb colour) const {
    if (!ok_) return;
    for (unsigned char c : text) {
      int w = 0, h = 0, xoff = 0, yoff = 0;
      unsigned char* glyph = stbtt_GetCodepointBitmap(&info_, 0, scale_, c, &w, &h, &xoff, &yoff);
      for (int gy = 0; gy < h; ++gy)
        for (int gx = 0; gx < w; ++gx)
          canvas.blend(x + xoff + gx, y + ascent_ + yoff + gy, colour, glyph[gy * w + gx] / 255.0f);
      stbtt_FreeBitmap(glyph, nullptr);
      int advance = 0, lsb = 0;
      stbtt_GetCodepointHMetrics(&info_, c, &advance, &lsb);
      x += static_cast<int>(std::lround(advance * scale_));
    }
  }

 private:
  std::vector<unsigned char> bytes_;
  stbtt_fontinfo info_{};
  float scale_ = 1.0f;
  int ascent_ = 0;
  bool ok_ = false;
};

// 1, 2 or 5 times a power of ten: about `count` steps across `range`.
double nice_step(double range, int count) {
  const double raw = range / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * power) return m * power;
  return 10 * power;
}

}  // namespace

std::string write_debrief_chart(const GameRecord& record, const std::string& path, int width, int height) {
  const GameHeadline& h = record.headline;
  if (h.values.empty()) return "the attempt has no headline series to draw";
  Canvas canvas(width, height);
  canvas.rect(0, 0, width, height, kBack);
  const Font font(15.0f);
  const int left = 78, right = width - 24, top = 44, bottom = height - 48;
  const double end_s = std::max(record.end_s, h.step_s * static_cast<double>(h.values.size()));
  double top_value = h.target * 1.25;
  for (double v : h.values)
    if (!std::isnan(v)) top_value = std::max(top_value, v * 1.05);
  if (!(top_value > 0)) top_value = 1.0;
  auto x_of = [&](double t) { return left + (right - left) * t / end_s; };
  auto y_of = [&](double v) { return bottom - (bottom - top) * std::min(v, top_value) / top_value; };

  font.draw(canvas, left, 12, h.endpoint + " " + h.metric + " over a rolling minute (" + h.unit + ")", kInk);
  const double ystep = nice_step(top_value, 5);
  for (double v = 0; v <= top_value + 1e-9; v += ystep) {
    canvas.line(left, y_of(v), right, y_of(v), kGrid, 1.0);
    char label[32];
    std::snprintf(label, sizeof label, "%g", v);
    font.draw(canvas, left - 8 - font.width(label), static_cast<int>(y_of(v)) - 9, label, kInk);
  }
  const double xstep = std::max(60.0, nice_step(end_s / 60.0, 8) * 60.0);
  for (double t = 0; t <= end_s + 1e-9; t += xstep) {
    canvas.line(x_of(t), top, x_of(t), bottom, kGrid, 1.0);
    const std::string label = hms(t);
    font.draw(canvas, static_cast<int>(x_of(t)) - font.width(label) / 2, bottom + 8, label, kInk);
  }
  canvas.line(left, bottom, right, bottom, kInk, 1.0);
  canvas.line(left, top, left, bottom, kInk, 1.0);

  auto marker = [&](double t, Rgb colour, const std::string& label, int row) {
    canvas.line(x_of(t), top, x_of(t), bottom, colour, 1.5, 4.0);
    font.draw(canvas, static_cast<int>(x_of(t)) + 4, top + 2 + row * 18, label, colour);
  };
  canvas.line(left, y_of(h.target), right, y_of(h.target), kTarget, 1.5, 6.0);
  char target[64];
  std::snprintf(target, sizeof target, "target %g %s", h.target, h.unit.c_str());
  font.draw(canvas, right - font.width(target), static_cast<int>(y_of(h.target)) - 20, target, kTarget);
  if (record.page_s) marker(*record.page_s, kPage, "page " + hms(*record.page_s), 0);
  int row = 1;
  for (const auto& f : record.fixes) marker(f.at_s, f.right ? kFix : kWrong, "fix " + hms(f.at_s), row++ % 4);
  if (record.recovered_s) marker(*record.recovered_s, kLine, "recovered " + hms(*record.recovered_s), row % 4);

  bool pen = false;
  double px = 0, py = 0;
  for (std::size_t i = 0; i < h.values.size(); ++i) {
    const double v = h.values[i];
    if (std::isnan(v)) {
      pen = false;
      continue;
    }
    const double x = x_of(h.step_s * static_cast<double>(i + 1)), y = y_of(v);
    if (pen) canvas.line(px, py, x, y, kLine, 2.0);
    px = x;
    py = y;
    pen = true;
  }
  if (!stbi_write_png(path.c_str(), width, height, 3, canvas.data(), width * 3)) return "could not write " + path;
  return {};
}

}  // namespace perfloop::cli
