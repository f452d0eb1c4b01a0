// Chart axis maths: mapping, nice ticks with units, clock labels, drag to range.
#include <catch2/catch.hpp>

#include "ui/core/chart_axis.h"

using namespace perfloop::ui;
using perfloop::clock_text;

TEST_CASE("an axis maps values to pixels and back, y growing upwards", "[chart]") {
  const AxisMap y{0.0, 1500.0, 400.0f, 100.0f};  // 0 ms at the bottom (400 px), 1500 ms at the top
  CHECK(y.to_px(0.0) == 400.0f);
  CHECK(y.to_px(500.0) == Approx(300.0f));
  CHECK(y.to_value(250.0f) == Approx(750.0));
  const AxisMap flat{3.0, 3.0, 0.0f, 100.0f};
  CHECK(flat.to_px(3.0) == 0.0f);
}

TEST_CASE("value ticks step by 1, 2 or 5 x 10^k and carry the unit", "[chart]") {
  auto t = value_ticks(0, 1500, 6, "ms");
  REQUIRE(t.size() == 4);  // 1500 / 5 = 300 -> step 500
  CHECK(t[1].value == 500.0);
  CHECK(t[3].label == "1500 ms");
  t = value_ticks(0, 0.9, 5, "%");
  CHECK(t[1].value == Approx(0.5));  // 0.225 -> 0.5
  CHECK(t[1].label == "0.5 %");
  t = value_ticks(12, 31, 5, "req/s");
  CHECK(t.front().value == 15.0);  // 4.75 -> 5, first multiple above 12
  CHECK(t.back().value == 30.0);
  CHECK(value_ticks(5, 5, 5, "ms").empty());
}

TEST_CASE("time ticks use clock steps and labels", "[chart]") {
  const auto t = time_ticks(0, 7200, 9);  // 900 s raw -> 15 min
  REQUIRE(t.size() == 9);
  CHECK(t[2].value == 1800.0);
  CHECK(t[2].label == "30:00");
  CHECK(t[8].label == "2:00:00");
  const auto short_run = time_ticks(95, 160, 8);  // 9.3 s raw -> 10 s, from 100
  CHECK(short_run.front().value == 100.0);
  CHECK(short_run.front().label == "1:40");
  CHECK(clock_text(2860) == "47:40");
  CHECK(clock_text(3900) == "1:05:00");
}

TEST_CASE("the chart's top leaves headroom and keeps the SLO line in view", "[chart]") {
  CHECK(nice_ceiling(1397) == 1600.0);     // 1537 with headroom, rounded up in steps of 200
  CHECK(nice_ceiling(245, 500) == 600.0);  // the 500 ms SLO line stays on the chart
  CHECK(nice_ceiling(0) == 1.0);
}

TEST_CASE("a drag becomes a range snapped to whole windows", "[chart]") {
  const AxisMap x{0.0, 7200.0, 0.0f, 720.0f};  // 10 s per pixel
  TimeRange r = drag_to_range(x, 183.0f, 541.5f, 10.0);
  CHECK(r.from_s == 1830.0);
  CHECK(r.to_s == 5420.0);
  r = drag_to_range(x, 541.5f, 183.0f, 10.0);  // dragging leftwards is the same range
  CHECK(r.from_s == 1830.0);
  r = drag_to_range(x, 300.2f, 300.2f, 10.0);  // a click: the window under it
  CHECK(r.from_s == 3000.0);
  CHECK(r.to_s == 3010.0);
  r = drag_to_range(x, -50.0f, 9000.0f, 10.0);  // clamped to the run
  CHECK(r.from_s == 0.0);
  CHECK(r.to_s == 7200.0);
}
