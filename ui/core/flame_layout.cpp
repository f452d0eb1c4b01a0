#include "ui/core/flame_layout.h"

#include <algorithm>
#include <atomic>
#include <map>

namespace perfloop::ui {

double cell_value(const ProfileCell& cell, FlameMeasure measure) {
  switch (measure) {
    case FlameMeasure::CpuSamples: return static_cast<double>(cell.cpu_samples);
    case FlameMeasure::AllocBytes: return static_cast<double>(cell.alloc_bytes);
    case FlameMeasure::OffCpuNs: return static_cast<double>(cell.offcpu_ns);
    case FlameMeasure::MutexNs: return static_cast<double>(cell.mutex_ns);
  }
  return 0.0;
}

double FlameTree::growth(int node) const {
  const FlameNode& n = nodes[static_cast<std::size_t>(node)];
  return n.baseline < 0 ? 0.0 : share(node) - n.baseline;
}

namespace {

// The engine's stack table is already a trie of call paths: a stack id is
// one path. The tree keeps the paths that cost something, under one root.
struct Builder {
  const Symbols& symbols;
  std::vector<int> node_of_stack;  // -1: not in the tree yet
  FlameTree tree;

  int node_for(std::uint32_t stack) {
    if (stack == kNoStack) return 0;
    int& slot = node_of_stack[stack];
    if (slot >= 0) return slot;
    const StackNode& s = symbols.stack_node(stack);
    const int parent = node_for(s.parent);
    FlameNode node;
    node.name = symbols.frame_name(s.frame);
    node.parent = parent;
    node.depth = tree.nodes[static_cast<std::size_t>(parent)].depth + 1;
    tree.nodes.push_back(std::move(node));
    const int index = static_cast<int>(tree.nodes.size()) - 1;
    tree.nodes[static_cast<std::size_t>(parent)].children.push_back(index);
    tree.max_depth = std::max(tree.max_depth, tree.nodes.back().depth);
    slot = index;  // node_of_stack never grows, so the reference is still good after the recursion
    return index;
  }
};

// Baseline shares by path: walks the same trie for the other profile's
// values, `value(stack)` for every stack id below `stacks`.
template <typename Value>
void fill_baseline(const Symbols& symbols, std::size_t stacks, Value value, const std::vector<int>& node_of_stack,
                   FlameTree& tree) {
  std::vector<double> totals(tree.nodes.size(), 0.0);
  double all = 0.0;
  for (std::size_t s = 0; s < stacks && s < symbols.stack_count(); ++s) {
    const double v = value(s);
    if (!(v > 0)) continue;
    all += v;
    // Credit every ancestor that exists in the current tree.
    for (std::uint32_t st = static_cast<std::uint32_t>(s); st != kNoStack; st = symbols.stack_node(st).parent)
      if (st < node_of_stack.size() && node_of_stack[st] >= 0) totals[static_cast<std::size_t>(node_of_stack[st])] += v;
  }
  for (std::size_t i = 0; i < tree.nodes.size(); ++i) tree.nodes[i].baseline = all > 0 ? (i == 0 ? 1.0 : totals[i] / all) : 0.0;
}

// The tree of the stacks below `stacks` with a positive `value(stack)`.
template <typename Value>
Builder build_nodes(const Symbols& symbols, std::size_t stacks, Value value) {
  Builder b{symbols, std::vector<int>(symbols.stack_count(), -1), {}};
  b.tree.nodes.push_back(FlameNode{"all", -1, 0, 0.0, 0.0, 0.0, -1.0, {}});
  for (std::size_t s = 0; s < stacks && s < symbols.stack_count(); ++s) {
    const double v = value(s);
    if (!(v > 0)) continue;
    int node = b.node_for(static_cast<std::uint32_t>(s));
    b.tree.nodes[static_cast<std::size_t>(node)].self += v;
    for (; node >= 0; node = b.tree.nodes[static_cast<std::size_t>(node)].parent)
      b.tree.nodes[static_cast<std::size_t>(node)].total += v;
  }
  return b;
}

void place(FlameTree& tree, int index, double start) {
  FlameNode& node = tree.nodes[static_cast<std::size_t>(index)];
  node.start = start;
  auto& kids = node.children;
  std::sort(kids.begin(), kids.end(), [&](int a, int b) {
    const FlameNode& x = tree.nodes[static_cast<std::size_t>(a)];
    const FlameNode& y = tree.nodes[static_cast<std::size_t>(b)];
    return x.total != y.total ? x.total > y.total : x.name < y.name;
  });
  double at = start;
  for (int child : kids) {  // placing adds no nodes, so `kids` stays put
    place(tree, child, at);
    at += tree.nodes[static_cast<std::size_t>(child)].total;
  }
}

}  // namespace

FlameTree build_flame_tree(const Symbols& symbols, const Profile& profile, std::size_t endpoint, FlameMeasure measure,
                           const Profile* baseline) {
  const auto value_in = [&](const Profile& p) {
    return [&p, endpoint, measure](std::size_t s) { return cell_value(p.at(endpoint, s), measure); };
  };
  Builder b = build_nodes(symbols, endpoint < profile.endpoints ? profile.stacks : 0, value_in(profile));
  if (baseline && endpoint < baseline->endpoints)
    fill_baseline(symbols, baseline->stacks, value_in(*baseline), b.node_of_stack, b.tree);
  place(b.tree, 0, 0.0);
  b.tree.id = new_flame_tree_id();
  return std::move(b.tree);
}

FlameTree build_flame_tree(const Symbols& symbols, const std::vector<double>& values, const std::vector<double>* baseline) {
  Builder b = build_nodes(symbols, values.size(), [&](std::size_t s) { return values[s]; });
  if (baseline) fill_baseline(symbols, baseline->size(), [&](std::size_t s) { return (*baseline)[s]; }, b.node_of_stack, b.tree);
  place(b.tree, 0, 0.0);
  b.tree.id = new_flame_tree_id();
  return std::move(b.tree);
}

std::uint64_t new_flame_tree_id() {
  static std::atomic<std::uint64_t> next{1};  // trees may be built on a worker thread
  return next++;
}

FlameView full_view(const FlameTree& tree) { return {0.0, tree.total()}; }

FlameView zoom_to(const FlameTree& tree, int node) {
  const FlameNode& n = tree.nodes.at(static_cast<std::size_t>(node));
  if (n.total <= 0) return full_view(tree);
  return {n.start, n.start + n.total};
}

FlameView zoom_at(const FlameTree& tree, FlameView view, double cursor, double factor) {
  const double total = tree.total();
  if (total <= 0) return view;
  cursor = std::clamp(cursor, 0.0, 1.0);
  const double span = view.to - view.from;
  // Never narrower than a millionth of the whole: below that nothing is left to see.
  const double new_span = std::clamp(span * factor, total * 1e-6, total);
  const double anchor = view.from + cursor * span;
  double from = anchor - cursor * new_span;
  from = std::clamp(from, 0.0, total - new_span);
  return {from, from + new_span};
}

FlameView pan(const FlameTree& tree, FlameView view, double dx) {
  const double span = view.to - view.from;
  const double from = std::clamp(view.from - dx * span, 0.0, std::max(0.0, tree.total() - span));
  return {from, from + span};
}

std::vector<FlameRect> layout_flame(const FlameTree& tree, FlameView view, float width_px, float min_px) {
  std::vector<FlameRect> rects;
  const double span = view.to - view.from;
  if (tree.nodes.empty() || span <= 0 || width_px <= 0) return rects;
  const double px_per_unit = width_px / span;
  // Breadth-first, so the result is ordered by depth and, within a row, left to right.
  std::vector<int> row = {0}, next;
  while (!row.empty()) {
    next.clear();
    FlameRect fold;  // the run of narrow frames being folded
    auto flush = [&] {
      if (fold.folded > 0 && fold.width >= 1.0f) rects.push_back(fold);
      fold = FlameRect{};
    };
    int last_parent = -2;
    for (int index : row) {
      const FlameNode& n = tree.nodes[static_cast<std::size_t>(index)];
      if (n.parent != last_parent) flush();
      last_parent = n.parent;
      const double left = std::max(n.start, view.from), right = std::min(n.start + n.total, view.to);
      if (right <= left) continue;  // off screen
      const float x = static_cast<float>((left - view.from) * px_per_unit);
      const float w = static_cast<float>((right - left) * px_per_unit);
      if (w < min_px) {
        if (fold.folded == 0) {
          fold.depth = n.depth;
          fold.x = x;
        }
        ++fold.folded;
        fold.folded_total += n.total;
        fold.width = x + w - fold.x;
        continue;
      }
      flush();
      rects.push_back({index, n.depth, x, w, 0, 0.0});
      for (int child : n.children) next.push_back(child);
    }
    flush();
    row.swap(next);
  }
  return rects;
}

FlameSearch search_flame(const FlameTree& tree, const std::string& text) {
  FlameSearch result;
  if (text.empty() || tree.nodes.empty()) return result;
  // Depth-first from the root: a match's descendants are inside its total already.
  std::vector<std::pair<int, bool>> stack = {{0, false}};
  double matched = 0.0;
  while (!stack.empty()) {
    const auto [index, inside] = stack.back();
    stack.pop_back();
    const FlameNode& n = tree.nodes[static_cast<std::size_t>(index)];
    const bool hit = index != 0 && n.name.find(text) != std::string::npos;
    if (hit) {
      result.matches.push_back(index);
      if (!inside) matched += n.total;
    }
    for (auto it = n.children.rbegin(); it != n.children.rend(); ++it) stack.push_back({*it, inside || hit});
  }
  std::sort(result.matches.begin(), result.matches.end());
  result.share = tree.total() > 0 ? matched / tree.total() : 0.0;
  return result;
}

}  // namespace perfloop::ui
