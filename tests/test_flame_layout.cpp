// The flame graph's maths without drawing: tree, zoom, folding, search, diff.
#include <catch2/catch.hpp>

#include "ui/core/flame_layout.h"

using namespace perfloop;
using namespace perfloop::ui;

namespace {

// main -> a -> x (60 samples), main -> a (10 self), main -> b (25),
// main -> c -> x (4), main -> d (1): 100 samples in all.
struct Fixture {
  Symbols symbols;
  Profile profile;
  std::uint32_t main_, a, ax, b, c, cx, d;
  Fixture() {
    main_ = symbols.stack_path(kNoStack, "main");
    a = symbols.stack_path(main_, "a");
    ax = symbols.stack_path(a, "x");
    b = symbols.stack_path(main_, "b");
    c = symbols.stack_path(main_, "c");
    cx = symbols.stack_path(c, "x");
    d = symbols.stack_path(main_, "d");
    profile.resize(1, symbols.stack_count());
    profile.at(0, ax).cpu_samples = 60;
    profile.at(0, a).cpu_samples = 10;
    profile.at(0, b).cpu_samples = 25;
    profile.at(0, cx).cpu_samples = 4;
    profile.at(0, d).cpu_samples = 1;
  }
};

int find(const FlameTree& t, const std::string& name, int depth) {
  for (std::size_t i = 0; i < t.nodes.size(); ++i)
    if (t.nodes[i].name == name && t.nodes[i].depth == depth) return static_cast<int>(i);
  return -1;
}

}  // namespace

TEST_CASE("a profile becomes a tree of totals and selfs, largest child first", "[flame]") {
  Fixture f;
  const FlameTree t = build_flame_tree(f.symbols, f.profile, 0, FlameMeasure::CpuSamples);
  CHECK(t.total() == 100.0);
  CHECK(t.max_depth == 3);
  const int main_ = find(t, "main", 1), a = find(t, "a", 2), b = find(t, "b", 2), c = find(t, "c", 2), d = find(t, "d", 2);
  REQUIRE(main_ > 0);
  CHECK(t.nodes[main_].total == 100.0);
  CHECK(t.nodes[main_].self == 0.0);
  CHECK(t.nodes[a].total == 70.0);
  CHECK(t.nodes[a].self == 10.0);
  CHECK(t.share(b) == Approx(0.25));
  // Largest first: a (70) at 0, b (25) at 70, c (4) at 95, d (1) at 99.
  CHECK(t.nodes[main_].children == std::vector<int>{a, b, c, d});
  CHECK(t.nodes[a].start == 0.0);
  CHECK(t.nodes[b].start == 70.0);
  CHECK(t.nodes[c].start == 95.0);
  CHECK(t.nodes[d].start == 99.0);
  // x under c starts where c does; x under a where a does.
  REQUIRE(t.nodes[c].children.size() == 1);
  CHECK(t.nodes[t.nodes[c].children[0]].start == 95.0);
  CHECK(t.nodes[t.nodes[a].children[0]].start == 0.0);
  CHECK(t.nodes[t.nodes[a].children[0]].total == 60.0);
}

TEST_CASE("narrow frames fold into one block and their children are skipped", "[flame]") {
  Fixture f;
  const FlameTree t = build_flame_tree(f.symbols, f.profile, 0, FlameMeasure::CpuSamples);
  // 200 px for 100 samples: c is 8 px, d is 2 px (< 3 px), folded alone.
  auto rects = layout_flame(t, full_view(t), 200.0f, 3.0f);
  int folded = 0;
  for (const auto& r : rects) {
    if (r.node < 0) {
      ++folded;
      CHECK(r.folded == 1);
      CHECK(r.x == Approx(198.0f));
      CHECK(r.width == Approx(2.0f));
    }
  }
  CHECK(folded == 1);
  // At 100 px, c (4 px) stays and d (1 px) folds; at 50 px c (2 px) and d (0.5 px) fold together.
  rects = layout_flame(t, full_view(t), 50.0f, 3.0f);
  bool both = false;
  for (const auto& r : rects)
    if (r.node < 0 && r.depth == 2) {
      CHECK(r.folded == 2);
      CHECK(r.folded_total == 5.0);
      CHECK(r.width == Approx(2.5f));
      both = true;
    }
  CHECK(both);
  // x under c is not drawn at 50 px: its parent was folded.
  for (const auto& r : rects)
    if (r.node >= 0) CHECK_FALSE((t.nodes[r.node].name == "x" && t.nodes[r.node].start == 95.0));
  // Rows come in depth order.
  for (std::size_t i = 1; i < rects.size(); ++i) CHECK(rects[i - 1].depth <= rects[i].depth);
}

TEST_CASE("click, wheel and drag zoom keep the view inside the whole", "[flame]") {
  Fixture f;
  const FlameTree t = build_flame_tree(f.symbols, f.profile, 0, FlameMeasure::CpuSamples);
  const int b = find(t, "b", 2);
  FlameView v = zoom_to(t, b);
  CHECK(v.from == 70.0);
  CHECK(v.to == 95.0);
  // b fills the width; its sibling a is off screen.
  const auto rects = layout_flame(t, v, 1000.0f);
  bool b_full = false, a_seen = false;
  for (const auto& r : rects) {
    if (r.node == b) b_full = r.x == 0.0f && r.width == Approx(1000.0f);
    if (r.node == find(t, "a", 2)) a_seen = true;
  }
  CHECK(b_full);
  CHECK_FALSE(a_seen);
  // Wheel in at the cursor's point: the point under it stays put.
  v = zoom_at(t, full_view(t), 0.25, 0.5);
  CHECK(v.to - v.from == Approx(50.0));
  CHECK(v.from + 0.25 * (v.to - v.from) == Approx(25.0));
  // Wheel out past the whole stops at the whole; drag stops at the edges.
  CHECK(zoom_at(t, v, 0.5, 10.0).from == 0.0);
  CHECK(zoom_at(t, v, 0.5, 10.0).to == 100.0);
  CHECK(pan(t, v, 1.0).from == 0.0);
  CHECK(pan(t, v, -5.0).to == Approx(100.0));
}

TEST_CASE("search counts each sample once", "[flame]") {
  Fixture f;
  const FlameTree t = build_flame_tree(f.symbols, f.profile, 0, FlameMeasure::CpuSamples);
  FlameSearch s = search_flame(t, "x");
  CHECK(s.matches.size() == 2);
  CHECK(s.share == Approx(0.64));
  // "a" matches a, and "main" nothing else: a's x is inside a's total, counted once.
  s = search_flame(t, "a");
  CHECK(s.matches.size() == 2);  // "main" contains "a" too
  CHECK(s.share == Approx(1.0));
  CHECK(search_flame(t, "zzz").share == 0.0);
  CHECK(search_flame(t, "").matches.empty());
}

TEST_CASE("diff mode: growth of each frame's share against a baseline", "[flame]") {
  Fixture f;
  Profile before;
  before.resize(1, f.symbols.stack_count());
  before.at(0, f.ax).cpu_samples = 20;  // x under a was 20 of 100
  before.at(0, f.a).cpu_samples = 10;
  before.at(0, f.b).cpu_samples = 70;
  const FlameTree t = build_flame_tree(f.symbols, f.profile, 0, FlameMeasure::CpuSamples, &before);
  const int b = find(t, "b", 2), c = find(t, "c", 2);
  const int ax = t.nodes[find(t, "a", 2)].children[0];
  CHECK(t.growth(ax) == Approx(0.60 - 0.20));
  CHECK(t.growth(b) == Approx(0.25 - 0.70));
  CHECK(t.growth(c) == Approx(0.04));  // new since the baseline
  CHECK(t.growth(0) == Approx(0.0));
  // Without a baseline there is no growth.
  const FlameTree plain = build_flame_tree(f.symbols, f.profile, 0, FlameMeasure::CpuSamples);
  CHECK(plain.growth(find(plain, "b", 2)) == 0.0);
}

TEST_CASE("other measures and an empty profile", "[flame]") {
  Fixture f;
  f.profile.at(0, f.b).alloc_bytes = 4096;
  const FlameTree alloc = build_flame_tree(f.symbols, f.profile, 0, FlameMeasure::AllocBytes);
  CHECK(alloc.total() == 4096.0);
  CHECK(alloc.nodes.size() == 3);  // all, main, b
  Profile empty;
  empty.resize(1, f.symbols.stack_count());
  const FlameTree none = build_flame_tree(f.symbols, empty, 0, FlameMeasure::CpuSamples);
  CHECK(none.total() == 0.0);
  CHECK(layout_flame(none, full_view(none), 800.0f).empty());
  CHECK(search_flame(none, "x").share == 0.0);
}
