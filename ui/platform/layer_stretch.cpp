#include "ui/platform/layer_stretch.h"

#include <algorithm>
#include <cmath>

namespace perfloop::ui {

bool stretch_for(LayerSpan drawn, LayerSpan wanted, int width_px, Stretch& out) {
  const double drawn_span = drawn.to - drawn.from, wanted_span = wanted.to - wanted.from;
  if (!(drawn_span > 0) || !(wanted_span > 0) || width_px <= 0) return false;
  // How many of the layer's pixels one of the texture's covers now.
  if (drawn_span / wanted_span > kMaxStretch) return false;
  const double width = static_cast<double>(width_px);
  // Where the texture's edges fall on the layer, kept within it.
  const auto layer_column = [&](double at) { return std::clamp((at - wanted.from) / wanted_span * width, 0.0, width); };
  const long to_x0 = std::lround(layer_column(drawn.from)), to_x1 = std::lround(layer_column(drawn.to));
  if (static_cast<double>(to_x1 - to_x0) < kMinCoverage * width) return false;
  // And which of the texture's columns land on those layer columns.
  const auto texture_column = [&](long column) {
    const double at = wanted.from + static_cast<double>(column) / width * wanted_span;
    return std::clamp(std::lround((at - drawn.from) / drawn_span * width), 0L, static_cast<long>(width_px));
  };
  const long from_x0 = texture_column(to_x0), from_x1 = texture_column(to_x1);
  if (from_x1 <= from_x0) return false;
  out = Stretch{static_cast<int>(to_x0), static_cast<int>(to_x1), static_cast<int>(from_x0), static_cast<int>(from_x1)};
  return true;
}

}  // namespace perfloop::ui
