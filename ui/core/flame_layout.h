// Flame graph maths with no drawing in it: the tree of a profile (call
// stacks merged by path), where each node falls on screen for a given
// zoom, runs of frames too narrow to see folded into one block, search with
// the matched share, and the growth of each node against a baseline for the
// diff view. The widget that draws it is the only part that knows ImGui.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/signals.h"
#include "sim/engine/symbols.h"

namespace perfloop::ui {

enum class FlameMeasure { CpuSamples, AllocBytes, OffCpuNs, MutexNs };

double cell_value(const ProfileCell& cell, FlameMeasure measure);

struct FlameNode {
  std::string name;       // the frame
  int parent = -1;
  int depth = 0;          // 0: the root ("all")
  double total = 0.0;     // this frame and everything it called
  double self = 0.0;      // this frame alone
  double start = 0.0;     // left edge, in the root's units (0 .. root total)
  double baseline = -1.0; // share of the baseline's total, 0..1; <0 without a baseline
  std::vector<int> children;  // largest first, then by name
};

struct FlameTree {
  std::vector<FlameNode> nodes;  // nodes[0] is the root
  int max_depth = 0;
  // Unique per built tree, so a widget can keep per-tree work between
  // frames; 0 (a tree assembled by hand) means unknown: nothing is kept.
  std::uint64_t id = 0;
  double total() const { return nodes.empty() ? 0.0 : nodes[0].total; }
  // This node's share of the whole, 0..1.
  double share(int node) const { return total() > 0 ? nodes[static_cast<std::size_t>(node)].total / total() : 0.0; }
  // Share now minus share in the baseline (diff mode); 0 without a baseline.
  double growth(int node) const;
};

// A fresh FlameTree::id.
std::uint64_t new_flame_tree_id();

// One endpoint's profile as a tree; `baseline` (same symbols) fills each
// node's baseline share for the diff view.
FlameTree build_flame_tree(const Symbols& symbols, const Profile& profile, std::size_t endpoint, FlameMeasure measure,
                           const Profile* baseline = nullptr);
// A tree from one value per stack id (an imported profile's column);
// `baseline`, by the same stack ids, fills each node's baseline share.
FlameTree build_flame_tree(const Symbols& symbols, const std::vector<double>& values,
                           const std::vector<double>* baseline = nullptr);

// What part of the root is on screen: [from, to) in the root's units.
struct FlameView {
  double from = 0.0, to = 0.0;
};

FlameView full_view(const FlameTree& tree);
// Zoom so that a node fills the width (click to zoom).
FlameView zoom_to(const FlameTree& tree, int node);
// Wheel zoom: `factor` < 1 zooms in, keeping the point under the cursor
// (at `cursor` 0..1 across the width) where it is; clamped to the whole.
FlameView zoom_at(const FlameTree& tree, FlameView view, double cursor, double factor);
// Drag: move by `dx` of the width (positive: content moves right), clamped.
FlameView pan(const FlameTree& tree, FlameView view, double dx);

struct FlameRect {
  int node = -1;          // -1: a folded run of narrow frames
  int depth = 0;
  float x = 0.0f, width = 0.0f;  // pixels from the left edge
  int folded = 0;         // how many frames the folded block stands for
  double folded_total = 0.0;
};

// Rectangles for the nodes visible in `view` across `width_px`. Frames
// narrower than `min_px` are not drawn alone: consecutive ones under the same
// parent become one folded block (if that reaches a pixel), and their
// children are skipped. Ordered by depth, then left to right.
std::vector<FlameRect> layout_flame(const FlameTree& tree, FlameView view, float width_px, float min_px = 3.0f);

struct FlameSearch {
  std::vector<int> matches;  // every node whose frame contains the text
  double share = 0.0;        // of the whole, each sample counted once (matches nested in matches are not added twice)
};

// Case-sensitive substring search, like a flame graph's Ctrl+F.
FlameSearch search_flame(const FlameTree& tree, const std::string& text);

}  // namespace perfloop::ui
