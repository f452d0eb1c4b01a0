// The signals a UI reads: windows streamed while the run goes on, figures for
// any range of windows, and profiles whose samples agree with the exact CPU
// time the engine accounted.
#include <catch2/catch.hpp>
#include <map>

#include "test_support.h"

using namespace perfloop;

namespace {

class WindowCounter : public WindowListener {
 public:
  void on_window(const Simulation& sim, const WindowStats& window) override {
    ends.push_back(window.end);
    CHECK(window.end <= sim.now());
  }
  std::vector<SimTime> ends;
};

const ParamValues kShort = {{"duration_s", 1800}, {"deploy_at_s", 600}, {"fix_at_s", 1200}};

}  // namespace

TEST_CASE("windows stream to a listener as the run advances", "[signals]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/reference/mmc.lua"));
  PlannedRun planned = plan_run(script, {{"requests", 90000}}, {}, 1);  // 100 s
  Simulation sim(planned.plan);
  WindowCounter counter;
  sim.set_listener(&counter);
  sim.run_until(25 * kNsPerS);
  CHECK(counter.ends == std::vector<SimTime>{10 * kNsPerS, 20 * kNsPerS});
  CHECK(sim.windows().size() == 2);
  CHECK_FALSE(sim.finished());
  sim.run();
  CHECK(sim.finished());
  CHECK(counter.ends.size() == 10);
  CHECK(counter.ends.back() == 100 * kNsPerS);
}

TEST_CASE("a range of windows gives the same figures as the phase it covers", "[signals]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/checkout-inventory-payload.lua"));
  PlannedRun planned = plan_run(script, kShort, {}, 1);
  Simulation sim(planned.plan);
  sim.run();
  const auto phases = summarise_phases(sim, planned.slo);
  const PhaseSummary range = summarise_range(sim, planned.slo, 600 * kNsPerS, 1800 * kNsPerS);
  const auto& in_phase = *phases[1].endpoint("/checkout");
  const auto& in_range = *range.endpoint("/checkout");
  CHECK(range.start_s == 600.0);
  CHECK(range.end_s == 1800.0);
  // Phases count requests by arrival, windows by completion: a few cross the boundary.
  CHECK(in_range.requests == Approx(in_phase.requests).epsilon(0.01));
  CHECK(in_range.p99_ms == Approx(in_phase.p99_ms).epsilon(0.05));
  CHECK(in_range.slo_burn_rate == Approx(in_phase.slo_burn_rate).epsilon(0.05));
  CHECK(range.cpu_utilisation == Approx(phases[1].cpu_utilisation).epsilon(0.01));
  // Real users' figures come through the windows too (the app's LCP and INP charts).
  REQUIRE(in_phase.has_rum);
  REQUIRE(in_phase.inp_p75_ms > 0);
  CHECK(in_range.lcp_p75_ms == Approx(in_phase.lcp_p75_ms).epsilon(0.05));
  CHECK(in_range.inp_p75_ms == Approx(in_phase.inp_p75_ms).epsilon(0.05));
  CHECK(test::frame_pct(in_range, "encoding/json.Marshal") == Approx(test::frame_pct(in_phase, "encoding/json.Marshal")).margin(0.5));
  const PhaseSummary empty = summarise_range(sim, planned.slo, 5000 * kNsPerS, 6000 * kNsPerS);
  CHECK(empty.endpoints.empty());
}

TEST_CASE("CPU samples agree with the exact CPU time per frame", "[signals][profile]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/checkout-inventory-payload.lua"));
  PlannedRun planned = plan_run(script, kShort, {}, 1);
  Simulation sim(planned.plan);
  sim.run();
  const Symbols& symbols = sim.symbols();
  const int checkout = symbols.find_endpoint("/checkout");
  const PhaseStats& incident = sim.phases()[1];
  std::map<std::string, double> exact;
  double total = 0;
  std::uint64_t samples = 0;
  for (std::size_t s = 0; s < incident.profile.stacks; ++s) {
    const auto& cell = incident.profile.at(checkout, s);
    exact[symbols.frame_name(symbols.leaf_frame(static_cast<std::uint32_t>(s)))] += static_cast<double>(cell.cpu_ns);
    total += static_cast<double>(cell.cpu_ns);
    samples += cell.cpu_samples;
  }
  // 100 Hz of CPU time: one sample per 10 ms of CPU.
  CHECK(static_cast<double>(samples) == Approx(total / 1e7).epsilon(0.02));
  for (const auto& f : cpu_by_frame(symbols, incident.profile, checkout)) {
    INFO(f.frame);
    CHECK(f.self_pct == Approx(100.0 * exact[f.frame] / total).margin(0.5));
  }
}

TEST_CASE("allocation and off-CPU profiles point at the payload's frames", "[signals][profile]") {
  const auto run = test::run_scenario("scenarios/checkout-inventory-payload.lua", kShort);
  const auto& base = *test::phase(run, "baseline").endpoint("/checkout");
  const auto& inc = *test::phase(run, "incident").endpoint("/checkout");
  auto find = [](const std::vector<FrameAmount>& v, const std::string& frame) {
    for (const auto& f : v)
      if (f.frame == frame) return f;
    return FrameAmount{};
  };
  // Decoding the inventory payload and marshalling it twice allocate nearly all bytes, half each.
  CHECK(find(inc.profile_alloc, "encoding/json.Unmarshal").pct == Approx(49).margin(3));
  CHECK(find(inc.profile_alloc, "encoding/json.Marshal").pct == Approx(49).margin(3));
  CHECK(find(inc.profile_alloc, "encoding/json.Unmarshal").per_request >
        8 * find(base.profile_alloc, "encoding/json.Unmarshal").per_request);
  // Waiting is dominated by the downstream calls, in both phases.
  CHECK(base.profile_offcpu.front().frame == "net/http.(*Client).Do");
  // inventory 2 + 70 + 8 KB x 0.5 ms, payment 2 + 70 ms
  CHECK(find(base.profile_offcpu, "net/http.(*Client).Do").per_request == Approx(148).epsilon(0.03));
  CHECK(find(inc.profile_offcpu, "net/http.(*Client).Do").per_request > find(base.profile_offcpu, "net/http.(*Client).Do").per_request);
}
