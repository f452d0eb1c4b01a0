// The trace waterfall's maths without drawing: row order, depth, ms,
// baselines, the critical path, and mean span durations.
#include <catch2/catch.hpp>

#include "ui/core/waterfall_layout.h"

using namespace perfloop;
using namespace perfloop::ui;

namespace {

TraceSpan span_at(int index, int parent, double start_ms, double duration_ms) {
  return {static_cast<std::int16_t>(index), static_cast<std::int16_t>(parent), ms_to_ns(start_ms), ms_to_ns(duration_ms)};
}

std::vector<SpanInfo> names(std::initializer_list<const char*> list) {
  std::vector<SpanInfo> out;
  for (const char* n : list) out.push_back({n, -1});  // the parent here is not read: the trace carries its own
  return out;
}

const WaterfallRow& row_named(const WaterfallTrace& w, const std::string& name) {
  for (const auto& r : w.rows)
    if (r.name == name) return r;
  FAIL("no row " << name);
  return w.rows.front();
}

}  // namespace

TEST_CASE("rows: parents before children, children by start, depth and ms from arrival", "[waterfall]") {
  Trace t;
  t.trace_id = 0x3f2a0c1d9e8b7a65ull;
  t.duration = ms_to_ns(1420.0);
  t.queued = ms_to_ns(2.5);
  // Deliberately out of order: the later child first, the grandchild before its parent.
  t.spans = {span_at(0, -1, 2.5, 1417.5), span_at(2, 0, 800.0, 600.0), span_at(3, 1, 15.25, 4.75),
             span_at(1, 0, 10.0, 700.0)};
  const WaterfallTrace w = build_waterfall(t, names({"GET /checkout", "db.query", "render", "db.connect"}), {});
  CHECK(w.total_ms == Approx(1420.0));
  CHECK(w.queued_ms == Approx(2.5));
  CHECK(w.title == "trace 3f2a0c1d9e8b7a65 \xc2\xb7 1 420 ms");
  REQUIRE(w.rows.size() == 4);
  CHECK(w.rows[0].name == "GET /checkout");
  CHECK(w.rows[1].name == "db.query");
  CHECK(w.rows[2].name == "db.connect");
  CHECK(w.rows[3].name == "render");
  CHECK(w.rows[0].depth == 0);
  CHECK(w.rows[1].depth == 1);
  CHECK(w.rows[2].depth == 2);
  CHECK(w.rows[3].depth == 1);
  CHECK(w.rows[0].start_ms == Approx(2.5));
  CHECK(w.rows[0].duration_ms == Approx(1417.5));
  CHECK(w.rows[2].start_ms == Approx(15.25));
  CHECK(w.rows[2].duration_ms == Approx(4.75));
  CHECK(w.rows[3].start_ms == Approx(800.0));
  // Without baselines every ghost bar is absent.
  for (const auto& r : w.rows) CHECK(r.baseline_ms == -1.0);
}

TEST_CASE("critical path: a sequential chain of three children is critical end to end", "[waterfall]") {
  Trace t;
  t.duration = ms_to_ns(90.0);
  t.spans = {span_at(0, -1, 0.0, 90.0), span_at(1, 0, 0.0, 30.0), span_at(2, 0, 30.0, 30.0), span_at(3, 0, 60.0, 30.0)};
  const WaterfallTrace w = build_waterfall(t, names({"root", "a", "b", "c"}), {});
  REQUIRE(w.rows.size() == 4);
  for (const auto& r : w.rows) CHECK(r.critical);
}

TEST_CASE("critical path: of two parallel children only the longer is critical", "[waterfall]") {
  Trace t;
  t.duration = ms_to_ns(100.0);
  // a and b start together; a ends at 80 ms, b at 50 ms. b's child is off the path with its parent.
  t.spans = {span_at(0, -1, 0.0, 100.0), span_at(1, 0, 0.0, 80.0), span_at(2, 0, 0.0, 50.0), span_at(3, 2, 5.0, 40.0),
             span_at(4, 1, 10.0, 60.0)};
  const WaterfallTrace w = build_waterfall(t, names({"root", "a", "b", "b.child", "a.child"}), {});
  CHECK(row_named(w, "root").critical);
  CHECK(row_named(w, "a").critical);
  CHECK(row_named(w, "a.child").critical);  // the only child of a critical span
  CHECK_FALSE(row_named(w, "b").critical);
  CHECK_FALSE(row_named(w, "b.child").critical);
  // Children in start order; same start: by span index.
  REQUIRE(w.rows.size() == 5);
  CHECK(w.rows[1].name == "a");
  CHECK(w.rows[2].name == "a.child");
  CHECK(w.rows[3].name == "b");
  CHECK(w.rows[4].name == "b.child");
}

TEST_CASE("critical path walks back through children that ended before the later one started", "[waterfall]") {
  Trace t;
  t.duration = ms_to_ns(100.0);
  // d [0, 5), a [5, 20), c [15, 35), b [30, 90); the root runs to 100 ms on its own.
  // b ends last; before b started (30 ms) a ended last (20 ms; c ran into b);
  // before a started (5 ms) d ended, exactly at a's start.
  t.spans = {span_at(0, -1, 0.0, 100.0), span_at(1, 0, 5.0, 15.0), span_at(2, 0, 30.0, 60.0), span_at(3, 0, 15.0, 20.0),
             span_at(4, 0, 0.0, 5.0)};
  const WaterfallTrace w = build_waterfall(t, names({"root", "a", "b", "c", "d"}), {});
  CHECK(row_named(w, "root").critical);
  CHECK(row_named(w, "b").critical);
  CHECK(row_named(w, "a").critical);
  CHECK(row_named(w, "d").critical);
  CHECK_FALSE(row_named(w, "c").critical);
  REQUIRE(w.rows.size() == 5);
  CHECK(w.rows[1].name == "d");
  CHECK(w.rows[2].name == "a");
  CHECK(w.rows[3].name == "c");
  CHECK(w.rows[4].name == "b");
}

TEST_CASE("baselines are the typical duration by span index; unknown ones stay -1", "[waterfall]") {
  Trace t;
  t.duration = ms_to_ns(60.0);
  t.spans = {span_at(0, -1, 0.0, 60.0), span_at(1, 0, 0.0, 40.0), span_at(2, 0, 40.0, 20.0), span_at(3, 0, 40.0, 1.0)};
  const WaterfallTrace w = build_waterfall(t, names({"root", "query", "render", "log"}), {50.0, 12.5, -1.0});
  CHECK(row_named(w, "root").baseline_ms == 50.0);
  CHECK(row_named(w, "query").baseline_ms == 12.5);
  CHECK(row_named(w, "render").baseline_ms == -1.0);  // unknown in the baseline
  CHECK(row_named(w, "log").baseline_ms == -1.0);     // past the end of the baseline vector
}

TEST_CASE("a span whose parent is missing stays visible at the top level; unnamed spans get their index", "[waterfall]") {
  Trace t;
  t.duration = ms_to_ns(50.0);
  t.spans = {span_at(0, -1, 0.0, 50.0), span_at(7, 5, 10.0, 5.0)};
  const WaterfallTrace w = build_waterfall(t, names({"root"}), {});
  REQUIRE(w.rows.size() == 2);
  CHECK(w.rows[1].name == "span 7");
  CHECK(w.rows[1].depth == 0);
  CHECK(w.rows[0].critical);
  CHECK_FALSE(w.rows[1].critical);  // ends at 15 ms, long before the root
}

TEST_CASE("mean span durations over traces, -1 for spans never seen", "[waterfall]") {
  Trace one, two;
  one.spans = {span_at(0, -1, 0.0, 10.0), span_at(1, 0, 0.0, 4.0), span_at(5, 0, 0.0, 99.0)};
  two.spans = {span_at(0, -1, 0.0, 20.0)};
  const std::vector<double> mean = mean_span_ms({&one, nullptr, &two}, 3);
  REQUIRE(mean.size() == 3);
  CHECK(mean[0] == Approx(15.0));
  CHECK(mean[1] == Approx(4.0));
  CHECK(mean[2] == -1.0);
  CHECK(mean_span_ms({}, 2) == std::vector<double>{-1.0, -1.0});
}

TEST_CASE("durations read as people write them", "[waterfall]") {
  CHECK(ms_label(1420.0) == "1 420 ms");
  CHECK(ms_label(1234567.0) == "1 234 567 ms");
  CHECK(ms_label(420.4) == "420 ms");
  CHECK(ms_label(12.34) == "12.3 ms");
  CHECK(ms_label(0.42) == "0.42 ms");
  CHECK(ms_label(-12.34) == "-12.3 ms");
  CHECK(ms_label(-1500.0) == "-1 500 ms");
  CHECK(ms_label(-0.001) == "0.00 ms");
}
