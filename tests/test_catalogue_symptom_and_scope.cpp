// Catalogue scenarios on symptom against cause and on measurement scopes:
// the figures of process-order-gc, search-regex-per-request,
// assembly-rewrite-trap and observer-effect, from the scenario files
// themselves. The numbers come from seeds 02 (hot path: symptom vs cause)
// and 03 (measurement scopes, observer effect).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "test_support.h"

using namespace perfloop;

namespace {

// A finished run that keeps its Simulation, so profiles can be read by call
// stack: a frame's total (itself and everything under it), not only its self share.
struct FullRun {
  std::unique_ptr<PlannedRun> planned;
  std::unique_ptr<Simulation> sim;
  std::vector<PhaseSummary> phases;
};

std::shared_ptr<const FullRun> run_full(const std::string& file, const std::vector<std::string>& fixes = {},
                                        const ParamValues& params = {}) {
  static std::map<std::string, std::shared_ptr<const FullRun>> cache;
  std::string key = file;
  for (const auto& f : fixes) key += "|" + f;
  for (const auto& [name, value] : params) key += "|" + name + "=" + std::to_string(value);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  ScenarioScript script = ScenarioScript::load(test::source_path(file));
  auto run = std::make_shared<FullRun>();
  run->planned = std::make_unique<PlannedRun>(plan_run(script, params, fixes, 1));
  run->sim = std::make_unique<Simulation>(run->planned->plan);
  run->sim->run();
  run->phases = summarise_phases(*run->sim, run->planned->slo);
  cache[key] = run;
  return run;
}

const PhaseStats& phase_stats(const FullRun& run, const std::string& name) {
  for (const auto& p : run.sim->phases())
    if (p.name == name) return p;
  throw std::runtime_error("no phase " + name);
}

const EndpointSummary& endpoint(const FullRun& run, const std::string& phase, const std::string& name) {
  for (const auto& p : run.phases)
    if (p.name == phase) {
      const EndpointSummary* e = p.endpoint(name);
      if (!e) throw std::runtime_error("no endpoint " + name + " in phase " + phase);
      return *e;
    }
  throw std::runtime_error("no phase " + phase);
}

double phase_utilisation(const FullRun& run, const std::string& phase) {
  for (const auto& p : run.phases)
    if (p.name == phase) return p.cpu_utilisation;
  throw std::runtime_error("no phase " + phase);
}

bool stack_has(const Symbols& symbols, std::uint32_t stack, const std::string& frame) {
  for (auto s = stack; s != kNoStack; s = symbols.stack_node(s).parent)
    if (symbols.frame_name(symbols.stack_node(s).frame) == frame) return true;
  return false;
}

// Share of the endpoint's CPU samples whose stack passes through `frame`
// and whose leaf is one of `leaves` (any leaf when empty), in percent.
double total_pct(const FullRun& run, const std::string& phase, const std::string& ep, const std::string& frame,
                 const std::set<std::string>& leaves = {}) {
  const Symbols& symbols = run.sim->symbols();
  const Profile& profile = phase_stats(run, phase).profile;
  const int e = symbols.find_endpoint(ep);
  REQUIRE(e >= 0);
  double all = 0, in = 0;
  for (std::size_t s = 0; s < profile.stacks; ++s) {
    const auto samples = static_cast<double>(profile.at(static_cast<std::size_t>(e), s).cpu_samples);
    if (samples == 0) continue;
    all += samples;
    const auto stack = static_cast<std::uint32_t>(s);
    const bool leaf_ok = leaves.empty() || leaves.count(symbols.frame_name(symbols.leaf_frame(stack))) > 0;
    if (leaf_ok && stack_has(symbols, stack, frame)) in += samples;
  }
  return all > 0 ? 100.0 * in / all : 0.0;
}

// total_pct for a frame the check needs to be there: a missing or renamed
// frame fails instead of reading as 0%.
double total_pct_present(const FullRun& run, const std::string& phase, const std::string& ep,
                         const std::string& frame, const std::set<std::string>& leaves = {}) {
  const double pct = total_pct(run, phase, ep, frame, leaves);
  INFO("no CPU samples through " << frame << " for " << ep << " in " << phase);
  REQUIRE(pct > 0);
  return pct;
}

// A leaf frame's self share that must be in the profile: absence fails
// rather than passing a `<` check as 0%.
double frame_pct_present(const EndpointSummary& e, const std::string& frame) {
  for (const auto& f : e.profile_cpu)
    if (f.frame == frame) return f.self_pct;
  FAIL("frame " << frame << " is not in the CPU profile of " << e.name);
  return 0.0;
}

const std::set<std::string> kGcLeaves = {"runtime.mallocgc", "runtime.scanobject"};

const SpanSummary& span(const EndpointSummary& e, const std::string& name) {
  for (const auto& s : e.spans)
    if (s.name == name) return s;
  throw std::runtime_error("no span " + name);
}

// Relative change of `after` against `before`, in percent (negative: faster).
double change_pct(double before, double after) { return 100.0 * (after / before - 1.0); }

// How much a fix improves the endpoint's p99 or mean, in percent: from the
// moment it lands to the end of the run, against the same stretch of the run
// without it. Both runs see the same arrivals and per-request random numbers,
// so the difference is the fix's alone.
struct Gain {
  double p99 = 0.0;
  double mean = 0.0;
};

Gain fix_gain(const std::string& file, const std::string& fix, const std::string& ep) {
  const auto with = run_full(file, {fix});
  const auto without = run_full(file);
  SimTime from = -1;
  for (const auto& stage : with->planned->plan.stages)
    if (stage.kind == "fix") from = stage.at;
  REQUIRE(from >= 0);
  const SimTime to = with->sim->duration();
  const PhaseSummary a = summarise_range(*without->sim, without->planned->slo, from, to);
  const PhaseSummary b = summarise_range(*with->sim, with->planned->slo, from, to);
  REQUIRE(a.endpoint(ep));
  REQUIRE(b.endpoint(ep));
  return {-change_pct(a.endpoint(ep)->p99_ms, b.endpoint(ep)->p99_ms),
          -change_pct(a.endpoint(ep)->mean_ms, b.endpoint(ep)->mean_ms)};
}

// The same improvement as the learner sees it: the phase before the fix against after_fix.
Gain phase_gain(const std::string& file, const std::string& fix, const std::string& ep, const std::string& from) {
  const auto run = run_full(file, {fix});
  const auto& a = endpoint(*run, from, ep);
  const auto& b = endpoint(*run, "after_fix", ep);
  return {-change_pct(a.p99_ms, b.p99_ms), -change_pct(a.mean_ms, b.mean_ms)};
}

// What the learner reads for one name in one stream of an endpoint: KB per
// request (alloc), ms per request (offcpu), share of CPU samples (cpu), or a
// span's mean (trace; the root span, index 0, is the whole request and left
// out). Also the widest entry of that stream.
struct StreamReading {
  bool present = false;
  double amount = 0.0;
  std::string top;
};

StreamReading read_stream(const EndpointSummary& e, const std::string& stream, const std::string& name) {
  StreamReading r;
  double widest = -1.0;
  auto see = [&](const std::string& n, double amount) {
    if (amount > widest) {
      widest = amount;
      r.top = n;
    }
    if (n == name) {
      r.present = true;
      r.amount = amount;
    }
  };
  if (stream == "cpu") {
    for (const auto& f : e.profile_cpu) see(f.frame, f.self_pct);
  } else if (stream == "alloc") {
    for (const auto& f : e.profile_alloc) see(f.frame, f.per_request);
  } else if (stream == "offcpu") {
    for (const auto& f : e.profile_offcpu) see(f.frame, f.per_request);
  } else if (stream == "trace") {
    for (std::size_t i = 1; i < e.spans.size(); ++i) see(e.spans[i].name, e.spans[i].mean_ms);
  } else {
    FAIL("stream " << stream << " is not read here");
  }
  return r;
}

// The scenario's card and truth blocks load and agree with its model. In the
// run, the bottleneck's hot frame (for a trace stream, its hot span) grows
// more than twice in the stream the truth block names, from the first phase
// to the phase that starts at the symptom's onset; with `hot_on_top` it is
// also the widest entry of that stream there.
void check_card(const std::string& file, const std::string& level, std::size_t bottlenecks, bool hot_on_top = true) {
  ScenarioScript script = ScenarioScript::load(test::source_path(file));
  CHECK(script.meta().level == level);
  CHECK(!script.meta().families.empty());
  CHECK(script.meta().goals.size() >= 2);
  CHECK(script.meta().goals.size() <= 4);
  const ScenarioBuild build = script.build(script.resolve({}));
  REQUIRE(build.bottlenecks.size() == bottlenecks);
  std::set<std::string> fix_ids;
  for (const auto& f : build.fixes) fix_ids.insert(f.id);
  const auto run = run_full(file);
  const Symbols& symbols = run->sim->symbols();
  for (const auto& b : build.bottlenecks) {
    INFO("bottleneck " << b.id << " hot_frame " << b.hot_frame);
    CHECK(b.right_fixes.size() >= 1);
    CHECK(b.wrong_fixes.size() >= 2);
    for (const auto& id : b.right_fixes) CHECK(fix_ids.count(id) == 1);
    for (const auto& id : b.wrong_fixes) CHECK(fix_ids.count(id) == 1);
    bool present = false;
    for (std::size_t f = 0; f < symbols.frame_count(); ++f)
      present = present || symbols.frame_name(static_cast<std::uint32_t>(f)) == b.hot_frame;
    CHECK(present);
    CHECK(b.hints.size() == 8);

    const PhaseSummary* incident = nullptr;
    for (const auto& p : run->phases)
      if (std::abs(p.start_s - b.symptom.onset_s) < 1e-6) incident = &p;
    REQUIRE(incident != nullptr);
    const std::string hot = b.stream == "trace" ? b.hot_span : b.hot_frame;
    const auto inc = read_stream(endpoint(*run, incident->name, b.symptom.endpoint), b.stream, hot);
    const auto base = read_stream(endpoint(*run, run->phases.front().name, b.symptom.endpoint), b.stream, hot);
    INFO(b.stream << " stream of " << b.symptom.endpoint << ": " << hot << " " << base.amount << " in "
                  << run->phases.front().name << " -> " << inc.amount << " in " << incident->name << "; widest there "
                  << inc.top);
    CHECK(inc.present);
    CHECK(inc.amount > 2 * base.amount);
    if (hot_on_top) CHECK(inc.top == hot);
  }
  CHECK(build.enforce.gates.size() >= 3);
  REQUIRE(build.enforce.future.size() >= 5);
  const auto harmful = std::count_if(build.enforce.future.begin(), build.enforce.future.end(),
                                     [](const FutureChangeSpec& c) { return c.harmful; });
  CHECK(harmful >= 1);
  CHECK(harmful < static_cast<long>(build.enforce.future.size()));
}

}  // namespace

// ---------------------------------------------------------------------------
// process-order-gc (seed 02: Bea and Sven)
// ---------------------------------------------------------------------------

namespace {
const std::string kOrders = "scenarios/process-order-gc.lua";
const std::string kCreate = "POST /orders";
const std::string kProcess = "orders.processOrder";
}  // namespace

TEST_CASE("process-order-gc: processOrder is ~35% of CPU, most of it GC under its loop", "[catalogue-symptom-scope]") {
  const auto run = run_full(kOrders);
  const double total = total_pct(*run, "incident", kCreate, kProcess);
  const double gc = total_pct(*run, "incident", kCreate, kProcess, kGcLeaves);
  const auto& inc = endpoint(*run, "incident", kCreate);
  INFO("processOrder total " << total << "% of which GC " << gc << "%, self " << test::frame_pct(inc, kProcess)
                             << "%; mallocgc " << test::frame_pct(inc, "runtime.mallocgc") << "% scanobject "
                             << test::frame_pct(inc, "runtime.scanobject") << "%");
  CHECK(total == Approx(35).margin(5));
  CHECK(gc >= 0.6 * total);
  // What the self-time profile shows: the GC leaves outweigh the loop's own frame.
  CHECK(test::frame_pct(inc, "runtime.scanobject") + test::frame_pct(inc, "runtime.mallocgc") >
        2 * frame_pct_present(inc, kProcess));
  // Before the deploy the loop made a tenth of the garbage.
  CHECK(total_pct_present(*run, "baseline", kCreate, kProcess) < 15);
  // The symptom: p99 over the 100 ms objective in the incident, under it before.
  CHECK(inc.p99_ms > 100);
  CHECK(endpoint(*run, "baseline", kCreate).p99_ms < 100);
}

TEST_CASE("process-order-gc: sync.Pool helps a lot, the loop rewrite barely", "[catalogue-symptom-scope]") {
  const double pool = fix_gain(kOrders, "pool_scratch", kCreate).p99;
  const double loop = fix_gain(kOrders, "rewrite_loop", kCreate).p99;
  const double gogc = fix_gain(kOrders, "raise_gogc", kCreate).p99;
  const double inventory = fix_gain(kOrders, "scale_inventory", kCreate).p99;
  const double pool_seen = phase_gain(kOrders, "pool_scratch", kCreate, "incident").p99;
  const double loop_seen = phase_gain(kOrders, "rewrite_loop", kCreate, "incident").p99;
  INFO("p99 gain under the same load: pool " << pool << "% loop rewrite " << loop << "% GOGC " << gogc
                                             << "% inventory " << inventory << "%; incident -> after_fix: pool "
                                             << pool_seen << "% loop rewrite " << loop_seen << "%");
  CHECK(pool > 30);
  CHECK(loop > 0);
  CHECK(loop < 10);
  CHECK(pool > 3 * loop);
  CHECK(gogc < pool);
  CHECK(std::abs(inventory) < 10);
  CHECK(pool_seen > 30);
  CHECK(loop_seen < 10);

  // The pool shrinks the hot frame; the rewrite leaves the GC under it.
  const auto pooled = run_full(kOrders, {"pool_scratch"});
  const auto rewritten = run_full(kOrders, {"rewrite_loop"});
  const double before = total_pct(*pooled, "incident", kCreate, kProcess);
  const double after_pool = total_pct(*pooled, "after_fix", kCreate, kProcess);
  const double gc_before = total_pct(*rewritten, "incident", kCreate, kProcess, kGcLeaves);
  const double gc_after_loop = total_pct(*rewritten, "after_fix", kCreate, kProcess, kGcLeaves);
  INFO("processOrder total " << before << "% -> " << after_pool << "% with the pool; GC under it " << gc_before
                             << "% -> " << gc_after_loop << "% with the rewrite");
  CHECK(after_pool < before / 2);
  CHECK(gc_after_loop > 0.9 * gc_before);
}

TEST_CASE("process-order-gc: catalogue card and truth", "[catalogue-symptom-scope]") { check_card(kOrders, "middle", 1); }

// ---------------------------------------------------------------------------
// search-regex-per-request (seed 02: regex on every request)
// ---------------------------------------------------------------------------

namespace {
const std::string kSearchFile = "scenarios/search-regex-per-request.lua";
const std::string kSearch = "/search";
}  // namespace

TEST_CASE("search-regex-per-request: regexp is the wide leaf, compiling per request is the cause", "[catalogue-symptom-scope]") {
  const auto run = run_full(kSearchFile);
  const auto& inc = endpoint(*run, "incident", kSearch);
  REQUIRE(!inc.profile_cpu.empty());
  const std::string widest = inc.profile_cpu.front().frame;
  const double compile = total_pct(*run, "incident", kSearch, "regexp.Compile");
  const double match = total_pct(*run, "incident", kSearch, "search.filterHits");
  INFO("widest leaf " << widest << " " << inc.profile_cpu.front().self_pct << "%; under regexp.Compile " << compile
                      << "%, under filterHits " << match << "%");
  // The header: the widest single leaf is the matcher.
  CHECK(widest == "regexp.(*Regexp).backtrack");
  CHECK(compile > 25);
  CHECK(compile > 1.5 * match);
  // Parsing the pattern is part of compiling it in the request: all of
  // regexp/syntax.Parse's samples sit under regexp.Compile.
  const double parse_under_compile =
      total_pct_present(*run, "incident", kSearch, "regexp.Compile", {"regexp/syntax.Parse"});
  INFO("regexp/syntax.Parse under regexp.Compile " << parse_under_compile << "%, self "
                                                   << test::frame_pct(inc, "regexp/syntax.Parse") << "%");
  CHECK(parse_under_compile == Approx(frame_pct_present(inc, "regexp/syntax.Parse")).margin(0.01));
  // Before the deploy the pattern named one field: compiled per request, but cheap.
  const double compile_before = total_pct(*run, "baseline", kSearch, "regexp.Compile");
  INFO("under regexp.Compile before the deploy " << compile_before << "%");
  CHECK(compile_before < 10);
  CHECK(compile_before > 0);
  CHECK(inc.p99_ms > 80);
  CHECK(endpoint(*run, "baseline", kSearch).p99_ms < 80);
}

TEST_CASE("search-regex-per-request: compiling once beats a faster regex engine", "[catalogue-symptom-scope]") {
  const double once = fix_gain(kSearchFile, "compile_once", kSearch).p99;
  const double engine = fix_gain(kSearchFile, "faster_engine", kSearch).p99;
  const double gogc = fix_gain(kSearchFile, "raise_gogc", kSearch).p99;
  const double tenant = fix_gain(kSearchFile, "local_tenant_cache", kSearch).p99;
  const double once_seen = phase_gain(kSearchFile, "compile_once", kSearch, "incident").p99;
  INFO("p99 gain under the same load: compile once " << once << "% engine " << engine << "% GOGC " << gogc
                                                     << "% tenant cache " << tenant << "%; incident -> after_fix: "
                                                     << "compile once " << once_seen << "%");
  CHECK(once > 40);
  CHECK(once_seen > 40);
  CHECK(engine > 0);
  CHECK(engine < once / 2);
  CHECK(gogc < once / 2);
  CHECK(std::abs(tenant) < 10);

  const auto fixed = run_full(kSearchFile, {"compile_once"});
  // Only requests already in flight when the fix lands still compile.
  CHECK(total_pct_present(*fixed, "after_fix", kSearch, "regexp.Compile") < 0.1);
  CHECK(test::frame_pct(endpoint(*fixed, "after_fix", kSearch), "regexp.(*Regexp).backtrack") > 10);
  // The engine swap shrinks the matcher but still compiles in every request.
  const auto swapped = run_full(kSearchFile, {"faster_engine"});
  const double match_before = total_pct(*swapped, "incident", kSearch, "search.filterHits");
  const double match_after = total_pct(*swapped, "after_fix", kSearch, "search.filterHits");
  const double compile_after = total_pct(*swapped, "after_fix", kSearch, "re2.Compile");
  INFO("matching " << match_before << "% -> " << match_after << "%, compiling with re2 " << compile_after << "%");
  CHECK(match_after < match_before / 2);
  CHECK(compile_after > 25);
}

// The hot frame regexp/syntax.Parse grows with the deploy, but the widest leaf
// stays the matcher (checked above): that is the scenario's trap.
TEST_CASE("search-regex-per-request: catalogue card and truth", "[catalogue-symptom-scope]") {
  check_card(kSearchFile, "middle", 1, false);
}

// ---------------------------------------------------------------------------
// assembly-rewrite-trap (seed 03: 8x in the microbenchmark, 3% in the service)
// ---------------------------------------------------------------------------

namespace {
const std::string kAsmFile = "scenarios/assembly-rewrite-trap.lua";
const std::string kEvents = "POST /events";
}  // namespace

TEST_CASE("assembly-rewrite-trap: hashKey is ~3.4% of CPU on idle cores", "[catalogue-symptom-scope]") {
  const auto run = run_full(kAsmFile);
  const auto& inc = endpoint(*run, "incident", kEvents);
  const double hash = test::frame_pct(inc, "dedupe.hashKey");
  const double lookup = test::frame_pct(inc, "geo.(*RangeTable).Lookup");
  const double util = phase_utilisation(*run, "incident");
  INFO("hashKey " << hash << "%, Lookup " << lookup << "%, utilisation " << util);
  CHECK(hash == Approx(3.4).margin(0.5));
  CHECK(lookup > 40);
  CHECK(util < 0.35);
  // Latency is almost all CPU: the spans that wait are a small part of it.
  CHECK(span(inc, "publish").mean_ms < 0.1 * inc.mean_ms);
}

TEST_CASE("assembly-rewrite-trap: 8x on hashKey is ~3% on the service, as Amdahl predicts", "[catalogue-symptom-scope]") {
  const auto run = run_full(kAsmFile, {"asm_hash"});
  const auto& inc = endpoint(*run, "incident", kEvents);
  const auto& after = endpoint(*run, "after_fix", kEvents);
  const double share = test::frame_pct(inc, "dedupe.hashKey");
  const double predicted = share * (1.0 - 1.0 / 8.0);
  const double seen = -change_pct(inc.mean_ms, after.mean_ms);
  const double gain = fix_gain(kAsmFile, "asm_hash", kEvents).mean;
  INFO("hashKey " << share << "% -> " << test::frame_pct(after, "dedupe.hashKey") << "%; mean " << inc.mean_ms << " -> "
                  << after.mean_ms << " ms (" << seen << "% faster; " << gain
                  << "% under the same load; Amdahl predicts " << predicted << "%)");
  CHECK(frame_pct_present(after, "dedupe.hashKey") < share / 5);
  CHECK(seen > 2.0);
  CHECK(seen < 4.5);
  CHECK(gain > 2.0);
  CHECK(gain < 4.5);
  CHECK(gain == Approx(predicted).margin(0.5));
}

TEST_CASE("assembly-rewrite-trap: the binary search on the real hotspot", "[catalogue-symptom-scope]") {
  const double right = fix_gain(kAsmFile, "binary_search", kEvents).mean;
  const double right_p99 = fix_gain(kAsmFile, "binary_search", kEvents).p99;
  const double asm_gain = fix_gain(kAsmFile, "asm_hash", kEvents).mean;
  const double json = fix_gain(kAsmFile, "faster_json", kEvents).mean;
  const double cores = fix_gain(kAsmFile, "add_cores", kEvents).p99;
  INFO("mean gain: binary search " << right << "% (p99 " << right_p99 << "%), asm " << asm_gain << "%, json " << json
                                   << "%; p99 gain with more cores " << cores << "%");
  CHECK(right > 40);
  CHECK(right_p99 > 40);
  CHECK(asm_gain < right / 5);
  CHECK(json < right / 3);
  CHECK(std::abs(cores) < 10);
  const auto fixed = run_full(kAsmFile, {"binary_search"});
  CHECK(frame_pct_present(endpoint(*fixed, "after_fix", kEvents), "geo.(*RangeTable).Lookup") < 5);
}

TEST_CASE("assembly-rewrite-trap: catalogue card and truth", "[catalogue-symptom-scope]") { check_card(kAsmFile, "senior", 1); }

// ---------------------------------------------------------------------------
// observer-effect (seed 03: 40 ms instrumented, 8 ms sampled)
// ---------------------------------------------------------------------------

namespace {
const std::string kObserverFile = "scenarios/observer-effect.lua";
const std::string kQuote = "POST /quote";
}  // namespace

TEST_CASE("observer-effect: what each profiler costs the headline", "[catalogue-symptom-scope]") {
  const auto run = run_full(kObserverFile);
  const double off = endpoint(*run, "baseline", kQuote).mean_ms;
  const double s100 = change_pct(off, endpoint(*run, "sampling_100hz", kQuote).mean_ms);
  const double s1000 = change_pct(off, endpoint(*run, "sampling_1000hz", kQuote).mean_ms);
  const double instr = change_pct(off, endpoint(*run, "instrumented", kQuote).mean_ms);
  INFO("mean latency vs profiler off (" << off << " ms): 100 Hz " << s100 << "%, 1000 Hz " << s1000
                                        << "%, instrumenting " << instr << "%");
  CHECK(s100 >= 0.5);
  CHECK(s100 <= 2.0);
  CHECK(s1000 == Approx(10).margin(2));
  // Seed 03 puts instrumentation anywhere from 20% to 100%; the scenario is
  // calibrated to 8 us on each of ~4,550 com.shop calls over a 50 ms quote: ~74%.
  CHECK(instr == Approx(74).margin(8));
  // The engine samples at the profiler's rate: CPU samples per CPU-second of
  // each phase, from the simulated profile, against the rate its model sets.
  const auto& plan = run->planned->plan;
  std::map<std::string, double> rate;
  for (const auto& phase : run->sim->phases()) {
    double samples = 0, cpu_ns = 0;
    for (const auto& cell : phase.profile.cells) {
      samples += static_cast<double>(cell.cpu_samples);
      cpu_ns += static_cast<double>(cell.cpu_ns);
    }
    REQUIRE(cpu_ns > 0);
    rate[phase.name] = samples / (cpu_ns / 1e9);
    int model = 0;
    for (const auto& stage : plan.stages)
      if (stage.phase == phase.name) model = stage.model;
    INFO(phase.name << ": " << rate[phase.name] << " samples per CPU-second, configured "
                    << plan.models[static_cast<std::size_t>(model)].profile_hz << " Hz");
    CHECK(rate[phase.name] == Approx(plan.models[static_cast<std::size_t>(model)].profile_hz).epsilon(0.05));
  }
  REQUIRE(rate.count("sampling_100hz") == 1);
  REQUIRE(rate.count("sampling_1000hz") == 1);
  CHECK(rate["sampling_100hz"] == Approx(100).epsilon(0.05));
  CHECK(rate["sampling_1000hz"] == Approx(1000).epsilon(0.05));
}

// The same arrivals and random numbers with each profiler for the whole run:
// the differences are the profiler's alone.
TEST_CASE("observer-effect: each profiler against none, under identical load", "[catalogue-symptom-scope]") {
  auto whole_run = [](double profiler) {
    return run_full(kObserverFile, {},
                    {{"profiler", profiler}, {"sampling_at_s", 86400}, {"fast_sampling_at_s", 86400},
                     {"agent_at_s", 86400}});
  };
  const auto off = whole_run(0), s100 = whole_run(1), s1000 = whole_run(2), instr = whole_run(3);
  auto mean = [](const auto& run) { return endpoint(*run, "baseline", kQuote).mean_ms; };
  auto p99 = [](const auto& run) { return endpoint(*run, "baseline", kQuote).p99_ms; };
  auto rules = [](const auto& run) { return span(endpoint(*run, "baseline", kQuote), "apply_rules").mean_ms; };
  INFO("mean " << mean(off) << " ms off; 100 Hz " << change_pct(mean(off), mean(s100)) << "%, 1000 Hz "
               << change_pct(mean(off), mean(s1000)) << "%, instrumenting " << change_pct(mean(off), mean(instr))
               << "%; p99 " << change_pct(p99(off), p99(s100)) << "% / " << change_pct(p99(off), p99(s1000)) << "% / "
               << change_pct(p99(off), p99(instr)) << "%; apply_rules " << rules(off) << " / " << rules(s100) << " / "
               << rules(s1000) << " / " << rules(instr) << " ms");
  CHECK(change_pct(mean(off), mean(s100)) >= 0.5);
  CHECK(change_pct(mean(off), mean(s100)) <= 2.0);
  CHECK(change_pct(mean(off), mean(s1000)) == Approx(10).margin(2));
  // Seed 03's range for instrumentation is 20% to 100%; the scenario's
  // calibration gives ~74% on the mean. The tail grows more (~84%): the agent's
  // cost scales with the cart, so the largest carts carry the most of it.
  CHECK(change_pct(mean(off), mean(instr)) == Approx(74).margin(8));
  CHECK(change_pct(p99(off), p99(s1000)) == Approx(10).margin(3));
  CHECK(change_pct(p99(off), p99(instr)) == Approx(84).margin(10));
  CHECK(rules(s100) == Approx(8).epsilon(0.15));
  CHECK(rules(instr) == Approx(40).epsilon(0.15));
}

TEST_CASE("observer-effect: applyRule reads ~40 ms instrumented, ~8 ms sampled", "[catalogue-symptom-scope]") {
  const auto run = run_full(kObserverFile);
  const double sampled = span(endpoint(*run, "sampling_100hz", kQuote), "apply_rules").mean_ms;
  const double instrumented = span(endpoint(*run, "instrumented", kQuote), "apply_rules").mean_ms;
  const double truth = span(endpoint(*run, "baseline", kQuote), "apply_rules").mean_ms;
  INFO("apply_rules: off " << truth << " ms, 100 Hz " << sampled << " ms, instrumented " << instrumented << " ms");
  CHECK(sampled == Approx(8).epsilon(0.15));
  CHECK(instrumented == Approx(40).epsilon(0.15));
  CHECK(sampled == Approx(truth).epsilon(0.03));
  // Instrumentation also reshuffles the profile: applyRule jumps to the top.
  const auto& inst = endpoint(*run, "instrumented", kQuote);
  const auto& samp = endpoint(*run, "sampling_100hz", kQuote);
  CHECK(inst.profile_cpu.front().frame == "com.shop.pricing.RuleEngine.applyRule");
  CHECK(samp.profile_cpu.front().frame == "com.shop.promo.PromotionMatcher.match");
}

TEST_CASE("observer-effect: detaching the agent is the fix; rewriting applyRule is not", "[catalogue-symptom-scope]") {
  const double right = fix_gain(kObserverFile, "back_to_sampling", kQuote).mean;
  const double off = fix_gain(kObserverFile, "profiler_off", kQuote).mean;
  const double fast = fix_gain(kObserverFile, "sample_1000hz", kQuote).mean;
  const double rewrite = fix_gain(kObserverFile, "rewrite_apply_rule", kQuote).mean;
  const double cores = fix_gain(kObserverFile, "add_cores", kQuote).p99;
  INFO("mean gain from instrumented: 100 Hz " << right << "%, off " << off << "%, 1000 Hz " << fast << "%, rewrite "
                                              << rewrite << "%; p99 gain with cores " << cores << "%");
  CHECK(right > 35);
  CHECK(off > 35);
  CHECK(fast < right);
  CHECK(rewrite > 0);
  CHECK(rewrite < 10);
  CHECK(std::abs(cores) < 10);
  const auto fixed = run_full(kObserverFile, {"back_to_sampling"});
  CHECK(endpoint(*fixed, "after_fix", kQuote).mean_ms ==
        Approx(endpoint(*fixed, "sampling_100hz", kQuote).mean_ms).epsilon(0.02));
}

TEST_CASE("observer-effect: catalogue card and truth", "[catalogue-symptom-scope]") { check_card(kObserverFile, "senior", 1); }
