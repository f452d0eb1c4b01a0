// The onboarding tutorial, tutorial-first-page: a short, simple incident to
// learn the app on. Its pager line and its guide (the free walkthrough shown
// on every step) must not give the answer away; the run must show one clear
// signal (p99 over the SLO from the deploy, one frame of the service's own
// code grown wide); the right fixes restore p99 while the wrong ones leave it
// over the SLO; and the expert's answers score full marks. The figures are
// the scenario header's calibration (seed 1, defaults).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/loop/loop_expert.h"
#include "sim/loop/loop_grader.h"
#include "sim/loop/loop_steps.h"
#include "test_support.h"

using namespace perfloop;

namespace {

const char* const kTutorial = "scenarios/tutorial-first-page.lua";
const char* const kEndpoint = "GET /invoice";
const char* const kHotFrame = "pricing.FormatPrice";

// One run per fix (seed 1), shared by the test cases.
const test::RunResult& run(const std::string& fix = "") {
  static std::map<std::string, test::RunResult> runs;
  auto it = runs.find(fix);
  if (it == runs.end()) {
    const std::vector<std::string> fixes = fix.empty() ? std::vector<std::string>{} : std::vector<std::string>{fix};
    it = runs.emplace(fix, test::run_scenario(kTutorial, {}, fixes, 1)).first;
  }
  return it->second;
}

const EndpointSummary& endpoint(const test::RunResult& r, const std::string& phase) {
  const EndpointSummary* e = test::phase(r, phase).endpoint(kEndpoint);
  REQUIRE(e != nullptr);
  return *e;
}

double frame_pct_present(const EndpointSummary& e, const std::string& frame) {
  for (const auto& f : e.profile_cpu)
    if (f.frame == frame) return f.self_pct;
  FAIL("frame " << frame << " is not in the CPU profile of " << e.name);
  return 0.0;
}

double span_mean(const EndpointSummary& e, const std::string& name) {
  for (const auto& s : e.spans)
    if (s.name == name) return s.mean_ms;
  FAIL("no span " << name << " in " << e.name);
  return 0.0;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Words that would name the family or the cause before the learner found them.
std::vector<std::string> giveaways(const BottleneckSpec& b) {
  std::vector<std::string> words = {"cpu", "algorithm", "n+1", "lock", "gc", "alloc", "syscall",
                                    "cache", "jit", "deopt", "quadratic"};
  for (const char* family : kFamilies) words.push_back(family);
  words.push_back(lower(b.hot_frame));
  words.push_back("formatprice");  // the frame without its package
  words.push_back(lower(b.hot_span));
  for (const auto& id : b.right_fixes) words.push_back(lower(id));
  return words;
}

// The giveaways `text` contains, comma-separated ("" when none).
std::string named_in(const std::string& text, const std::vector<std::string>& words) {
  const std::string t = lower(text);
  std::string found;
  for (const auto& w : words)
    if (t.find(w) != std::string::npos) found += (found.empty() ? "" : ", ") + w;
  return found;
}

bool printable(const std::string& text) {
  return std::none_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

struct Tutorial {
  ScenarioScript script = ScenarioScript::load(test::source_path(kTutorial));
  ScenarioBuild build = script.build(script.resolve({}));
  const BottleneckSpec& truth() const { return build.bottlenecks.at(0); }
};

}  // namespace

TEST_CASE("tutorial-first-page: a five-minute junior card with a pager line and a guide for every step",
          "[catalogue-tutorial]") {
  Tutorial t;
  const ScenarioMeta& meta = t.script.meta();
  CHECK(t.script.id() == "tutorial-first-page");
  CHECK(meta.level == "junior");
  CHECK(meta.minutes == 5.0);
  CHECK(meta.families == std::vector<std::string>{"cpu-algorithmic"});
  CHECK(meta.goals.size() >= 2);
  REQUIRE(t.build.bottlenecks.size() == 1);
  CHECK(t.build.model.endpoints.size() == 1);

  // The pager: the symptom, as a pager says it, in one short line.
  INFO("pager: " << meta.pager);
  CHECK_FALSE(meta.pager.empty());
  CHECK(meta.pager.size() <= 120);
  CHECK(meta.pager.find(kEndpoint) != std::string::npos);
  CHECK(meta.pager.find("p99") != std::string::npos);
  CHECK(printable(meta.pager));

  // The guide: one entry per step of the loop, and nothing else.
  std::set<std::string> steps, keys;
  for (LoopStep step : kLoopSteps) steps.insert(std::string(step_name(step)));
  for (const auto& [key, text] : meta.guide) keys.insert(key);
  CHECK(keys == steps);
  for (const auto& [key, text] : meta.guide) {
    INFO("guide." << key << ": " << text);
    CHECK(text.size() >= 80);   // teaches something
    CHECK(text.size() <= 300);  // one or two short sentences
    CHECK(printable(text));
  }
  // Each step's entry teaches that step's controls.
  CHECK(lower(meta.guide.at("observe")).find("drag") != std::string::npos);
  CHECK(lower(meta.guide.at("observe")).find("onset") != std::string::npos);
  CHECK(lower(meta.guide.at("profile")).find("widest frame of your own code") != std::string::npos);
  CHECK(lower(meta.guide.at("classify")).find("family") != std::string::npos);
  CHECK(meta.guide.at("predict").find("Amdahl") != std::string::npos);
  CHECK(lower(meta.guide.at("verify")).find("before and after") != std::string::npos);
}

TEST_CASE("tutorial-first-page: neither the pager, the guide nor the hints give the answer away",
          "[catalogue-tutorial]") {
  Tutorial t;
  const ScenarioMeta& meta = t.script.meta();
  const BottleneckSpec& b = t.truth();
  const std::vector<std::string> words = giveaways(b);
  // The checks would see the answer if it were there: the truth's own texts name it.
  CHECK_FALSE(named_in(b.root_cause, words).empty());
  CHECK_FALSE(named_in(t.script.title(), words).empty());

  CHECK(named_in(meta.pager, words) == "");
  for (const auto& [key, text] : meta.guide) {
    INFO("guide." << key);
    CHECK(named_in(text, words) == "");
  }
  // The hints cost points and may point harder, but name neither the frame, the family nor the fix.
  std::set<std::string> hinted;
  for (const auto& [key, text] : b.hints) {
    INFO("hints." << key << ": " << text);
    hinted.insert(key);
    CHECK_FALSE(text.empty());
    CHECK(named_in(text, words) == "");
  }
  CHECK(hinted.size() == kLoopSteps.size());
}

TEST_CASE("tutorial-first-page: p99 10 ms -> 52 ms at the deploy, FormatPrice 14% -> 87% of self CPU",
          "[catalogue-tutorial]") {
  Tutorial t;
  const BottleneckSpec& b = t.truth();
  CHECK(b.stream == "cpu");
  CHECK(b.hot_frame == kHotFrame);
  CHECK(b.symptom.endpoint == kEndpoint);
  CHECK(b.symptom.metric == "p99");
  CHECK(b.symptom.target == 25.0);  // the SLO
  CHECK(t.build.duration_s <= 900);  // simulated seconds, not wall clock: a short run keeps the tutorial small

  const auto& r = run();
  const auto& base = endpoint(r, "baseline");
  const auto& inc = endpoint(r, "incident");
  INFO("p99 " << base.p99_ms << " -> " << inc.p99_ms << " ms; " << kHotFrame << " " << test::frame_pct(base, kHotFrame)
              << "% -> " << test::frame_pct(inc, kHotFrame) << "%; span format_prices " << span_mean(base, "format_prices")
              << " -> " << span_mean(inc, "format_prices") << " ms; CPU " << test::phase(r, "baseline").cpu_utilisation
              << " -> " << test::phase(r, "incident").cpu_utilisation);
  CHECK(test::phase(r, "baseline").start_s == 0.0);
  CHECK(test::phase(r, "incident").start_s == b.symptom.onset_s);
  CHECK(base.p99_ms == Approx(10.4).epsilon(0.15));
  CHECK(inc.p99_ms == Approx(52.0).epsilon(0.15));
  CHECK(base.p99_ms < b.symptom.target);
  CHECK(inc.p99_ms > 2.0 * b.symptom.target);
  CHECK(base.error_rate == 0.0);
  CHECK(inc.error_rate == 0.0);

  // One frame of the service's own code grows from a sliver to most of the width.
  CHECK(frame_pct_present(base, kHotFrame) == Approx(13.9).margin(3.0));
  CHECK(frame_pct_present(inc, kHotFrame) == Approx(86.6).margin(4.0));
  REQUIRE_FALSE(inc.profile_cpu.empty());
  CHECK(inc.profile_cpu.front().frame == kHotFrame);
  CHECK(base.profile_cpu.front().frame != kHotFrame);
  CHECK(span_mean(base, "format_prices") == Approx(0.5).margin(0.1));
  CHECK(span_mean(inc, "format_prices") == Approx(18.5).epsilon(0.1));
  // Nothing else moved: the query and the template take what they took.
  CHECK(span_mean(inc, "load_invoice") == Approx(span_mean(base, "load_invoice")).epsilon(0.05));
  CHECK(span_mean(inc, "render") == Approx(span_mean(base, "render")).epsilon(0.05));
  // A clear signal, not a saturated machine.
  CHECK(test::phase(r, "incident").cpu_utilisation < 0.3);

  // The rise starts in the first window after the deploy, and the SLO alert pages.
  double worst_before = 0, first_after = -1;
  for (const auto& w : r.json["windows"]) {
    if (!w["endpoints"].contains(kEndpoint)) continue;
    const double start = w["start_s"].get<double>(), p99 = w["endpoints"][kEndpoint]["p99_ms"].get<double>();
    if (start + 10.0 <= b.symptom.onset_s) worst_before = std::max(worst_before, p99);
    if (start >= b.symptom.onset_s && first_after < 0) first_after = p99;
  }
  INFO("worst window before the onset " << worst_before << " ms, first after " << first_after << " ms");
  CHECK(worst_before > 0);
  CHECK(worst_before < b.symptom.target);
  CHECK(first_after > 1.5 * b.symptom.target);
  CHECK(first_after > 3.0 * worst_before);
  int deploys = 0;
  double paged_s = -1;
  for (const auto& e : r.json["events"]) {
    if (e["kind"] == "deploy") ++deploys;
    if (e["kind"] == "alert" && paged_s < 0) paged_s = e["t_s"].get<double>();
  }
  CHECK(deploys == 1);
  CHECK(paged_s > b.symptom.onset_s);
  CHECK(paged_s < t.build.fix_at_s);
}

TEST_CASE("tutorial-first-page: parsing the rules once restores p99; cores, a cache, a template do not",
          "[catalogue-tutorial]") {
  Tutorial t;
  const BottleneckSpec& b = t.truth();
  CHECK(b.right_fixes == std::vector<std::string>{"cache_locale"});
  CHECK(b.wrong_fixes == std::vector<std::string>{"more_cores", "cache_invoice", "precompile_template"});
  // Every fixed run shares the run's arrivals until the fix lands: the same incident.
  const double inc_p99 = endpoint(run("cache_locale"), "incident").p99_ms;
  CHECK(inc_p99 == Approx(52.3).epsilon(0.15));
  for (const auto& fix : b.right_fixes) {
    const auto& after = endpoint(run(fix), "after_fix");
    INFO(fix << ": p99 " << inc_p99 << " -> " << after.p99_ms << " ms; " << kHotFrame << " "
             << test::frame_pct(after, kHotFrame) << "%");
    CHECK(test::phase(run(fix), "after_fix").start_s == t.build.fix_at_s);
    CHECK(after.p99_ms == Approx(10.6).epsilon(0.15));
    CHECK(after.p99_ms < b.symptom.target);
    CHECK(frame_pct_present(after, kHotFrame) < 20.0);
    CHECK(after.profile_cpu.front().frame != kHotFrame);
  }
  for (const auto& fix : b.wrong_fixes) {
    const auto& after = endpoint(run(fix), "after_fix");
    INFO(fix << ": p99 " << inc_p99 << " -> " << after.p99_ms << " ms");
    CHECK(endpoint(run(fix), "incident").p99_ms == Approx(inc_p99).epsilon(1e-9));
    CHECK(after.p99_ms > b.symptom.target);
    CHECK(std::abs(inc_p99 - after.p99_ms) < 0.10 * inc_p99);
    CHECK(after.profile_cpu.front().frame == kHotFrame);
  }
}

TEST_CASE("tutorial-first-page: the expert scores 100; picking more cores instead scores low", "[catalogue-tutorial]") {
  ScenarioScript script = ScenarioScript::load(test::source_path(kTutorial));
  LoopSession session(script, {}, 1);
  const Answers expert = expert_answers(session, script.id());
  const PlayResult r = grade_answers(session, expert, {false});
  INFO(play_result_json(r).dump(2));
  CHECK(r.complete);
  CHECK(r.total >= 95.0);
  for (const auto& s : r.steps) CHECK(s.score == Approx(s.max));

  // The figures the learner reads at Predict and Verify.
  REQUIRE(r.predictions.size() == 1);
  const PredictionResult& p = r.predictions[0];
  CHECK(p.share_pct == Approx(86.8).margin(3.0));
  CHECK(p.current == Approx(52.3).epsilon(0.15));
  CHECK(p.actual == Approx(10.6).epsilon(0.15));
  CHECK(p.go);
  // Amdahl on the hot frame's share alone: a ~5x overall speed-up for a ~12x cheaper frame.
  CHECK(p.amdahl_speedup == Approx(4.9).epsilon(0.1));
  REQUIRE(r.scorecard.at(0).outcome);
  const FixOutcome& out = *r.scorecard[0].outcome;
  CHECK(out.hotspot_before == Approx(18.5).epsilon(0.1));
  CHECK(out.hotspot_after == Approx(0.5).margin(0.1));
  CHECK(out.widest_frame == "html/template.(*Template).Execute");

  // Enforce: the per-call benchmark catches both regressions and stops nothing harmless.
  std::set<std::string> gates;
  for (const auto& g : expert.enforce->gates) gates.insert(g.id);
  CHECK(gates == std::set<std::string>{"format-benchmark", "deploy-runbook"});
  REQUIRE(r.enforce);
  CHECK(r.enforce->caught == Approx(2.0));
  CHECK(r.enforce->false_alarms == 0.0);
  // The 5% p99 budget catches both but stops three of the four honest features too
  // (the QR code, 60 lines, the footer); the SLO alert pages for the locale
  // regression only, after it shipped; the CPU alert never fires.
  const EnforceReport tight = session.replay().evaluate({{"invoice-p99-test", std::nullopt}}, false);
  CHECK(tight.caught == Approx(2.0));
  CHECK(tight.false_alarms == Approx(3.0));
  const EnforceReport slo = session.replay().evaluate({{"invoice-slo-alert", std::nullopt}}, false);
  CHECK(slo.caught == Approx(0.7));
  CHECK(slo.false_alarms == 0.0);
  const EnforceReport cpu = session.replay().evaluate({{"cpu-alert", std::nullopt}}, false);
  CHECK(cpu.caught == 0.0);
  CHECK(cpu.idle == std::vector<std::string>{"cpu-alert"});

  // A learner who reads the chart and the profile right but reaches for more cores.
  Answers cores = expert;
  auto& b = cores.bottlenecks[0];
  b.fix->id = "more_cores";
  b.predict->fix = "more_cores";
  b.predict->headline = 26.0;  // "twice the cores, half the time"
  b.predict->go = false;
  b.verify->hotspot_shrank = false;
  b.verify->headline_improved = false;
  b.verify->target_met = false;
  b.move_on->resolved = false;
  b.move_on->next_frame = kHotFrame;
  const PlayResult wrong = grade_answers(session, cores, {false});
  INFO(play_result_json(wrong).dump(2));
  REQUIRE(wrong.predictions.size() == 1);
  CHECK(wrong.predictions[0].actual > 2.0 * script.build(script.resolve({})).bottlenecks[0].symptom.target);
  for (const auto& s : wrong.steps)
    if (s.step == LoopStep::Fix) CHECK(s.score == 0.0);
  CHECK(wrong.total < r.total - 15.0);
}

