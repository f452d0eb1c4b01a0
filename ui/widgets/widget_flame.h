// An icicle flame graph (root at the top, callees below): click a frame to
// zoom to it and pick it, wheel to zoom about the cursor, drag to pan,
// Ctrl+F to search, Esc to close the search or else reset the zoom, and a diff
// view coloured by each frame's growth against the baseline.
#pragma once

#include <string>

#include "ui/core/flame_layout.h"

namespace perfloop::ui {

struct FlameWidgetState {
  FlameView view;            // what part of the root is on screen
  bool has_view = false;     // false: reset to the full view on next draw
  char search[128] = {};     // Ctrl+F text
  bool search_open = false;
  bool focus_search = false;
  bool diff = false;         // colour by growth against the baseline (only when the tree has a baseline)
  int picked = -1;           // node the learner clicked (the "hot frame" they pick); -1 none
  // The ImGui frame in which Esc closed the search or reset the zoom here:
  // that Esc is spent, so the app does not also step back.
  int escape_frame = -1;
  // Drag bookkeeping: a press becomes a drag once the mouse moves past a few
  // pixels, and then it pans from the view it started with instead of picking.
  bool dragging = false;
  float press_x_px = 0.0f;   // where the press started, screen pixels
  FlameView press_view;
  // Work kept between frames for the tree with this id (see FlameTree::id).
  std::uint64_t cached_tree = 0;
  bool cached_has_baseline = false;
  std::string cached_search;  // the search text `cached_found` answers
  FlameSearch cached_found;
};

// Draws at the cursor, full available width, `height` px tall (the rows scroll/clip if deeper).
// `unit` names the measure of the tree ("samples", "bytes", "ns off-CPU", ...) for tooltips;
// the tooltip prints the tree's values as they are, so the unit must match them.
// Returns true when `picked` changed this frame.
bool draw_flame_graph(const char* id, const FlameTree& tree, FlameWidgetState& state, const char* unit, float height);

}  // namespace perfloop::ui
