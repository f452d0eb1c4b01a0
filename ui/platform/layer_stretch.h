// A cached layer's texture standing in for a nearby view while a zoom or a
// pan is under way. A flame graph's pixels are one horizontal axis (the
// root's units, [from, to) across the width): zooming and panning only move
// and scale that axis, so the texture drawn for one span, stretched, shows
// every frame where it is for another span, only with its labels less crisp.
// Redrawing thousands of frames costs a software renderer more than a
// frame's budget; a stretched copy costs one pass over the layer's pixels.
#pragma once

namespace perfloop::ui {

// The part of an axis a layer's width stands for.
struct LayerSpan {
  double from = 0.0, to = 0.0;
};

// How a texture drawn for one span shows another of the same width, in
// whole columns (pixels from the layer's left edge), so that every pass
// that draws it (a partial redraw, a whole one) copies the same pixels.
struct Stretch {
  int to_x0 = 0, to_x1 = 0;      // the layer's columns the texture covers; the rest shows the background
  int from_x0 = 0, from_x1 = 0;  // the texture's columns shown there
};

// Beyond these a stand-in misleads more than it helps and the layer is
// drawn anew: labels magnified past twice their width read badly, and a
// zoom out or pan that leaves over a quarter of the width empty hides
// frames that are there.
constexpr double kMaxStretch = 2.0;
constexpr double kMinCoverage = 0.75;

// The stretch that shows `wanted` with a texture of `drawn`, both across
// `width_px`; false when that texture would be a poor stand-in (see above)
// or either span is empty.
bool stretch_for(LayerSpan drawn, LayerSpan wanted, int width_px, Stretch& out);

}  // namespace perfloop::ui
