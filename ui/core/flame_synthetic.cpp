#include "ui/core/flame_synthetic.h"

#include <algorithm>
#include <string>

#include "sim/engine/rng.h"

namespace perfloop::ui {

namespace {

// splitmix64: enough for a benchmark fixture, and independent of the engine's streams.
double uniform(std::uint64_t& state) { return static_cast<double>(splitmix64_next(state) >> 11) * 0x1.0p-53; }

void place(FlameTree& tree, int node, double start) {
  FlameNode& n = tree.nodes[static_cast<std::size_t>(node)];
  n.start = start;
  double at = start;  // callees line up from the caller's left edge
  for (int child : n.children) {
    place(tree, child, at);
    at += tree.nodes[static_cast<std::size_t>(child)].total;
  }
}

}  // namespace

FlameTree synthetic_flame_tree(int nodes, std::uint64_t seed) {
  FlameTree tree;
  std::uint64_t rng = seed;
  const int count = std::max(1, nodes);
  tree.nodes.reserve(static_cast<std::size_t>(count));
  FlameNode root;
  root.name = "all";
  tree.nodes.push_back(root);
  for (int i = 1; i < count; ++i) {
    // Parents among the recent nodes make deep stacks; some among all keep it wide.
    const int window = std::min(i, 40);
    int parent = uniform(rng) < 0.8 ? i - 1 - static_cast<int>(uniform(rng) * window)
                                    : static_cast<int>(uniform(rng) * i);
    while (tree.nodes[static_cast<std::size_t>(parent)].depth >= 30) parent = tree.nodes[static_cast<std::size_t>(parent)].parent;
    const int depth = tree.nodes[static_cast<std::size_t>(parent)].depth + 1;
    FlameNode n;
    n.name = "frame_" + std::to_string(splitmix64_next(rng) % 600);
    n.parent = parent;
    n.depth = depth;
    // Heavy-tailed self time, as real profiles have a few wide frames.
    const double u = uniform(rng);
    n.self = 1.0 + 1000.0 * u * u * u * u;
    tree.nodes.push_back(std::move(n));
    tree.nodes[static_cast<std::size_t>(parent)].children.push_back(i);
    tree.max_depth = std::max(tree.max_depth, depth);
  }
  // Children come after their parent: sum totals from the end.
  for (std::size_t i = tree.nodes.size(); i-- > 0;) {
    FlameNode& n = tree.nodes[i];
    n.total += n.self;
    if (n.parent >= 0) tree.nodes[static_cast<std::size_t>(n.parent)].total += n.total;
  }
  for (FlameNode& n : tree.nodes)
    std::sort(n.children.begin(), n.children.end(), [&](int a, int b) {
      const double ta = tree.nodes[static_cast<std::size_t>(a)].total, tb = tree.nodes[static_cast<std::size_t>(b)].total;
      return ta != tb ? ta > tb : a < b;
    });
  place(tree, 0, 0.0);
  tree.id = new_flame_tree_id();
  return tree;
}

}  // namespace perfloop::ui
