// The /checkout incident must show what the seed document reports, from the
// scenario file itself: p99 240 ms -> 1.4 s -> 235 ms after the rollback; the
// incident CPU profile dominated by GC and json.Marshal; RPS, errors and LCP
// flat; every downstream span inflated; the deploy in the log.
#include <catch2/catch.hpp>

#include "test_support.h"

using namespace perfloop;

namespace {

const test::RunResult& incident_run() {
  static const test::RunResult run =
      test::run_scenario("scenarios/checkout-inventory-payload.lua", {}, {"rollback"}, 1);
  return run;
}

const EndpointSummary& checkout(const char* phase) { return *test::phase(incident_run(), phase).endpoint("/checkout"); }

double gc_pct(const EndpointSummary& e) { return test::frame_pct(e, "runtime.scanobject") + test::frame_pct(e, "runtime.mallocgc"); }

}  // namespace

TEST_CASE("/checkout p99: 240 ms baseline, 1.4 s in the incident, 235 ms after rollback", "[checkout]") {
  INFO("p99 baseline " << checkout("baseline").p99_ms << " incident " << checkout("incident").p99_ms << " after "
                       << checkout("after_fix").p99_ms);
  CHECK(checkout("baseline").p99_ms == Approx(240).epsilon(0.15));
  CHECK(checkout("incident").p99_ms == Approx(1400).epsilon(0.15));
  CHECK(checkout("after_fix").p99_ms == Approx(235).epsilon(0.15));
}

TEST_CASE("incident CPU profile: GC 31%, json.Marshal 24%, pgx.Query 12%, handlers.Checkout 6%", "[checkout]") {
  // The seed: scanobject 22% (baseline 4%), mallocgc 9% (2%), json.Marshal 24% (4%), pgx.Query 12%, handlers.Checkout 6%.
  const auto& base = checkout("baseline");
  const auto& inc = checkout("incident");
  const auto& after = checkout("after_fix");
  INFO("incident: scanobject " << test::frame_pct(inc, "runtime.scanobject") << " mallocgc "
                               << test::frame_pct(inc, "runtime.mallocgc") << " Marshal "
                               << test::frame_pct(inc, "encoding/json.Marshal") << " pgx " << test::frame_pct(inc, "pgx.Query")
                               << " Checkout " << test::frame_pct(inc, "handlers.Checkout"));
  // Each within a few points of the seed, and present: a missing frame reads 0.
  CHECK(test::frame_pct(inc, "runtime.scanobject") == Approx(22).margin(3));
  CHECK(test::frame_pct(inc, "runtime.mallocgc") == Approx(9).margin(3));
  CHECK(gc_pct(inc) == Approx(31).margin(4));
  CHECK(test::frame_pct(inc, "encoding/json.Marshal") == Approx(24).margin(2));
  CHECK(test::frame_pct(inc, "pgx.Query") == Approx(12).margin(2));
  CHECK(test::frame_pct(inc, "handlers.Checkout") == Approx(6).margin(1.5));
  INFO("baseline: GC " << gc_pct(base) << " Marshal " << test::frame_pct(base, "encoding/json.Marshal"));
  CHECK(gc_pct(base) == Approx(6).margin(2.5));
  CHECK(test::frame_pct(base, "encoding/json.Marshal") == Approx(4).margin(2));
  CHECK(test::frame_pct(base, "encoding/json.Marshal") > 0);
  // The rollback restores the baseline profile.
  CHECK(gc_pct(after) == Approx(gc_pct(base)).margin(2));
  CHECK(test::frame_pct(after, "encoding/json.Marshal") == Approx(test::frame_pct(base, "encoding/json.Marshal")).margin(2));
}

TEST_CASE("incident: RPS and error rate flat, RUM LCP unchanged", "[checkout]") {
  const auto& base = checkout("baseline");
  const auto& inc = checkout("incident");
  CHECK(inc.rps == Approx(base.rps).epsilon(0.03));
  CHECK(base.error_rate < 0.001);
  CHECK(inc.error_rate < 0.001);
  REQUIRE(base.has_rum);
  CHECK(inc.lcp_p75_ms == Approx(base.lcp_p75_ms).epsilon(0.03));
  CHECK(inc.payload_kb_p99 > 8 * base.payload_kb_p99);
}

TEST_CASE("incident: every downstream span and serialise_response inflate, auth_check barely", "[checkout]") {
  auto span = [](const EndpointSummary& e, const std::string& name) {
    for (const auto& s : e.spans)
      if (s.name == name) return s;
    FAIL("no span " << name);
    return SpanSummary{};
  };
  const auto& base = checkout("baseline");
  const auto& inc = checkout("incident");
  for (const char* name : {"order_query", "inventory_check", "payment_call", "serialise_response"}) {
    INFO(name << ": mean " << span(base, name).mean_ms << " -> " << span(inc, name).mean_ms << " ms, p99 "
              << span(base, name).p99_ms << " -> " << span(inc, name).p99_ms << " ms");
    CHECK(span(inc, name).p99_ms > 2.0 * span(base, name).p99_ms);
    CHECK(span(inc, name).mean_ms > 1.25 * span(base, name).mean_ms);
  }
  CHECK(span(inc, "serialise_response").mean_ms > 5 * span(base, "serialise_response").mean_ms);
  CHECK(span(inc, "auth_check").mean_ms < 1.5 * span(base, "auth_check").mean_ms);
  // handle_request covers the whole request.
  CHECK(span(inc, "handle_request").p99_ms == Approx(inc.p99_ms).epsilon(0.05));
}

TEST_CASE("event log: the inventory-service deploy with its diff, then the burn alert", "[checkout]") {
  const auto& events = incident_run().json["events"];
  bool deploy = false, resolved = false;
  int alerts = 0;
  for (const auto& e : events) {
    if (e["kind"] == "deploy") {
      deploy = true;
      CHECK(e["t_s"].get<double>() == 1800.0);
      CHECK(e["service"] == "inventory-service");
      CHECK(e["text"].get<std::string>().find("85 KB") != std::string::npos);
    }
    if (e["kind"] == "alert") {
      ++alerts;
      CHECK(e["t_s"].get<double>() > 1800.0);
      CHECK(e["t_s"].get<double>() < 1800.0 + 1800.0);
    }
    if (e["kind"] == "resolved") {
      resolved = true;
      CHECK(e["t_s"].get<double>() > 5400.0);  // only once the rollback has landed
      CHECK(e["t_s"].get<double>() < 5400.0 + 600.0);
    }
  }
  CHECK(deploy);
  CHECK(alerts == 1);
  CHECK(resolved);
  CHECK(checkout("incident").slo_burn_rate > 6);
  CHECK(checkout("baseline").slo_burn_rate < 1);
}

TEST_CASE("the seed's slow trace: downstream spans of the slowest incident traces exceed their baselines", "[checkout]") {
  int traces = 0, spans = 0;
  for (const auto& t : incident_run().json["traces"]) {
    if (t["phase"] != "incident" || t["endpoint"] != "/checkout") continue;
    ++traces;
    for (const auto& s : t["spans"]) {
      if (s["name"] == "auth_check" || s["name"] == "handle_request") continue;
      ++spans;  // order_query, inventory_check, payment_call, serialise_response
      CHECK(s["duration_ms"].get<double>() > 2 * s["baseline_ms"].get<double>());
    }
  }
  CHECK(traces >= 1);
  CHECK(spans == 4 * traces);
}
