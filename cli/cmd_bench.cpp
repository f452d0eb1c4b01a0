// `perfloop bench`: the engine's speed as a ratio of a bare event loop's on
// the same M/M/c model, measured in one run, and the full /checkout incident
// with every signal. Reports figures; it never passes or fails on timings.
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/child_run.h"
#include "cli/commands.h"
#include "sim/engine/mmc_baseline.h"
#include "sim/io/json_text.h"
#include "sim/loop/loop_expert.h"
#include "sim/loop/loop_grader.h"
#include "sim/quiz/quiz_card.h"
#include "sim/quiz/quiz_schedule.h"
#include "sim/scenarios/scenario_paths.h"
#include "sim/scenarios/scenario_plan.h"
#include "sim/engine/simulation.h"

namespace perfloop::cli {

namespace {

constexpr int kEngineRounds = 3;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// The calling thread's CPU time: what a single-threaded run costs, whatever
// else the machine is doing (wall time on a shared 2-core machine is not).
double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct EngineRun {
  std::uint64_t requests = 0;
  std::uint64_t events = 0;
  double wall_s = 0.0;
  double simulated_s = 0.0;
  double cpu_s = 0.0;
};

EngineRun run_engine(const std::string& id, const ParamValues& params) {
  const std::string path = find_scenario(id);
  if (path.empty()) throw ScenarioError(id, 0, "", "scenario not found");
  ScenarioScript script = ScenarioScript::load(path);
  PlannedRun planned = plan_run(script, params, {}, 1);
  Simulation sim(planned.plan);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = thread_cpu_s();
  sim.run();
  const double cpu = thread_cpu_s() - cpu_start;
  return {sim.completed_requests(), sim.events_processed(), seconds_since(start), ns_to_s(static_cast<double>(sim.duration())),
          cpu};
}

// Quiz cards as the app makes them (the script loaded, the squeezed case
// run, its evidence cut), over every item in turn with fresh seeds; the
// times sorted for their percentiles (a few dozen values, not a hot path).
struct CardTimes {
  std::vector<double> wall_s;
  double percentile(double q) const {
    if (wall_s.empty()) return 0.0;
    std::vector<double> sorted = wall_s;
    std::sort(sorted.begin(), sorted.end());
    return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(q * static_cast<double>(sorted.size())))];
  }
};

CardTimes time_quiz_cards(int cards) {
  CardTimes t;
  const QuizPool pool = load_quiz_pool(catalogue_dir());
  const auto items = pool.items();
  for (int i = 0; i < cards && !items.empty(); ++i) {
    const std::string& item = items[static_cast<std::size_t>(i) % items.size()];
    const auto start = std::chrono::steady_clock::now();
    const QuizCard card = make_quiz_card(pool, draw_card_id(pool, *parse_quiz_item(item), quiz_card_seed(item, i)));
    t.wall_s.push_back(seconds_since(start));
  }
  return t;
}

// The app's own figures, each from a child `perfloop gui` on the display this
// process has (a launch is timed from the spawn, loader and all). Settings,
// data and attempts go to a folder of their own, so the learner's stay as they are.
struct AppFigures {
  std::string skipped;  // why there are none
  nlohmann::json launch, zoom, apply;
};

std::string scratch_folder() {
  char name[] = "/tmp/perfloop-bench-XXXXXX";
  const char* made = ::mkdtemp(name);
  return made ? made : "/tmp";
}

// One child's JSON, or a note of what went wrong.
nlohmann::json app_child(const std::vector<std::string>& args, std::int64_t* spawned_ns = nullptr) {
  const ChildResult child = run_self(args, 300.0);
  if (spawned_ns) *spawned_ns = child.spawned_ns;
  if (child.exit_code != 0) return {{"error", child.problem.empty() ? "exit " + std::to_string(child.exit_code) : child.problem}};
  try {
    return nlohmann::json::parse(child.out);
  } catch (const std::exception&) {
    return {{"error", "its output was not JSON"}};
  }
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

AppFigures measure_app(int launches) {
  AppFigures f;
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if ((!x11 || !*x11) && (!wayland || !*wayland)) {
    f.skipped = "no display (run under xvfb-run for the app's figures)";
    return f;
  }
  const std::string dir = scratch_folder();
  const std::vector<std::string> common = {"--scenario", "checkout-inventory-payload", "--size", "1600x900", "--save", "none",
                                           "--settings", dir + "/settings.json", "--json"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "gui");
    args.insert(args.end(), common.begin(), common.end());
    return args;
  };
  // Launches as scripts/run opens the app: the flagship's Observe panel.
  std::vector<double> first, useful, complete;
  for (int i = 0; i < launches; ++i) {
    std::int64_t spawned = 0;
    const nlohmann::json run = app_child(with({"--bench-launch"}), &spawned);
    if (run.contains("error")) {
      f.launch = run;
      break;
    }
    first.push_back(static_cast<double>(run.value("first_frame_ns", std::int64_t{0}) - spawned) / 1e9);
    useful.push_back(static_cast<double>(run.value("useful_frame_ns", std::int64_t{0}) - spawned) / 1e9);
    complete.push_back(static_cast<double>(run.value("complete_ns", std::int64_t{0}) - spawned) / 1e9);
  }
  if (!f.launch.contains("error"))
    f.launch = {{"launches", first.size()}, {"first_frame_s", median(first)}, {"useful_frame_s", median(useful)},
                {"complete_s", median(complete)}, {"useful_over_first_frame", median(first) > 0 ? median(useful) / median(first) : 0.0}};
  f.zoom = app_child(with({"--step", "profile", "--answers", "expert", "--bench-frames", "600", "--bench-zoom"}));
  f.apply = app_child(with({"--step", "fix", "--answers", "expert", "--bench-apply"}));
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return f;
}

// One figure of the table: its value, what it is a ratio of, its goal.
// The baseline is in the value's unit.
nlohmann::json figure(const std::string& what, double value, const std::string& unit, const std::string& baseline,
                      double baseline_value, double ratio, const std::string& goal, bool met) {
  nlohmann::json out = {{"figure", what}, {"value", value}, {"unit", unit}, {"baseline", baseline},
                        {"baseline_value", baseline_value}, {"ratio", ratio}, {"goal", goal}};
  if (!goal.empty()) out["met"] = met;
  return out;
}

}  // namespace

int run_bench(const BenchOptions& options) {
  try {
    // The incident first, so the process's peak memory is its own.
    const EngineRun incident = run_engine("checkout-inventory-payload", {});
    const double incident_peak_mb = peak_rss_mb();

    const double lambda = 900.0, mu = 100.0;
    const int servers = 10;
    // The bare loop and the engine take turns, three times; each keeps its
    // least CPU time (the run least disturbed), and its wall time beside it.
    MmcBaselineResult bare;
    double bare_wall = 0.0, bare_cpu = 0.0;
    EngineRun engine;
    for (int round = 0; round < kEngineRounds; ++round) {
      const auto start = std::chrono::steady_clock::now();
      const double cpu_start = thread_cpu_s();
      bare = run_mmc_baseline(lambda, mu, servers, options.requests, 1);
      const double cpu = thread_cpu_s() - cpu_start, wall = seconds_since(start);
      if (round == 0 || cpu < bare_cpu) bare_cpu = cpu;
      if (round == 0 || wall < bare_wall) bare_wall = wall;
      const EngineRun run = run_engine(
          "mmc", {{"lambda", lambda}, {"mu", mu}, {"c", servers}, {"requests", static_cast<double>(options.requests)}});
      if (round == 0) engine = run;
      engine.cpu_s = std::min(engine.cpu_s, run.cpu_s);
      engine.wall_s = std::min(engine.wall_s, run.wall_s);
    }

    // An N+1 against the same service making one round trip, every signal
    // on: what 50 more round trips per request cost the engine.
    const double trips_requests = static_cast<double>(std::min<std::uint64_t>(options.requests, 1'000'000));
    const EngineRun one_trip = run_engine("round-trips", {{"queries", 1}, {"requests", trips_requests}});
    const EngineRun n_plus_1 = run_engine("round-trips", {{"queries", 51}, {"requests", trips_requests}});
    const double one_trip_rate = static_cast<double>(one_trip.requests) / one_trip.cpu_s;
    const double n_plus_1_rate = static_cast<double>(n_plus_1.requests) / n_plus_1.cpu_s;

    // Rates per CPU second of the simulating thread: the engine against the bare loop.
    const double bare_rate = static_cast<double>(bare.requests) / bare_cpu;
    const double engine_rate = static_cast<double>(engine.requests) / engine.cpu_s;
    const double incident_rate = static_cast<double>(incident.requests) / incident.cpu_s;
    // Events per second compare the cost of one step of work, whatever a request is made of.
    const double bare_events = static_cast<double>(bare.events) / bare_cpu;
    const double engine_events = static_cast<double>(engine.events) / engine.cpu_s;
    const double incident_events = static_cast<double>(incident.events) / incident.cpu_s;
    const double engine_over_bare_wall = (static_cast<double>(engine.requests) / engine.wall_s) /
                                         (static_cast<double>(bare.requests) / bare_wall);
    const double incident_events_per_request = static_cast<double>(incident.events) / static_cast<double>(incident.requests);

    // Grading the eight steps: the expert's answers in a fresh session (the
    // run, one fork per fix, the Enforce replay and its drift), against the
    // one full run above.
    const auto grade_start = std::chrono::steady_clock::now();
    ScenarioScript script = ScenarioScript::load(find_scenario("checkout-inventory-payload"));
    LoopSession session(script, {}, 1);
    const PlayResult graded = grade_answers(session, expert_answers(session, script.id(), true));
    const double grade_wall = seconds_since(grade_start);
    const double grade_runs = grade_wall / incident.wall_s;
    const CardTimes cards = time_quiz_cards(options.quiz_cards);
    const double card_p50 = cards.percentile(0.5), card_p95 = cards.percentile(0.95), card_max = cards.percentile(1.0);
    const AppFigures app = options.gui ? measure_app(3) : AppFigures{"--no-gui", {}, {}, {}};

    // The table (#21) in one place: every figure as a ratio next to its baseline.
    nlohmann::json figures = nlohmann::json::array();
    figures.push_back(figure("grading the expert's /checkout answers", grade_wall, "s", "one full /checkout run",
                             incident.wall_s, grade_runs, "ratio <= 1.0", grade_runs <= 1.0));
    figures.push_back(figure("M/M/c engine", engine_rate, "requests per CPU s", "the bare event loop", bare_rate,
                             engine_rate / bare_rate, "ratio >= 1.0", engine_rate >= bare_rate));
    figures.push_back(figure("full /checkout model", incident_events, "events per CPU s", "the bare event loop", bare_events,
                             incident_events / bare_events, "ratio >= 0.75", incident_events >= 0.75 * bare_events));
    if (app.zoom.contains("p99_ms")) {
      const double p99 = app.zoom["p99_ms"].get<double>(), bare_p99 = app.zoom.value("bare_frame_p99_ms", 0.0);
      figures.push_back(figure("app frame p99 zooming a 5,000-node flame graph (1600x900)", p99, "ms",
                               "a bare frame's p99", bare_p99, bare_p99 > 0 ? p99 / bare_p99 : 0.0, "value <= 8 ms", p99 <= 8.0));
    }
    if (app.launch.contains("useful_frame_s")) {
      const double useful = app.launch["useful_frame_s"].get<double>(), first = app.launch["first_frame_s"].get<double>();
      figures.push_back(figure("launch to the first useful frame (the flagship's Observe chart)", useful, "s",
                               "launch to the first frame", first, first > 0 ? useful / first : 0.0, "", false));
    }
    if (app.apply.contains("apply_to_verify_s")) {
      const double verify = app.apply["apply_to_verify_s"].get<double>();
      figures.push_back(figure("Apply fix to the Verify figures", verify, "s", "one full /checkout run", incident.wall_s,
                               verify / incident.wall_s, "", false));
    }
    if (options.json) {
      nlohmann::json out = {
          {"mmc", {{"requests", options.requests}, {"bare_requests_per_s", bare_rate}, {"engine_requests_per_s", engine_rate},
                   {"engine_over_bare", engine_rate / bare_rate}, {"bare_events_per_s", bare_events},
                   {"engine_events_per_s", engine_events}, {"bare_cpu_s", bare_cpu}, {"engine_cpu_s", engine.cpu_s},
                   {"engine_over_bare_wall", engine_over_bare_wall}, {"rounds", kEngineRounds}}},
          {"checkout_incident", {{"simulated_s", incident.simulated_s}, {"requests", incident.requests},
                                 {"wall_s", incident.wall_s}, {"cpu_s", incident.cpu_s}, {"requests_per_s", incident_rate},
                                 {"over_bare", incident_rate / bare_rate}, {"events_per_request", incident_events_per_request},
                                 {"events_per_s", incident_events}, {"events_over_bare", incident_events / bare_events},
                                 {"peak_rss_mb", incident_peak_mb}}},
          {"n_plus_1", {{"round_trips", 51}, {"requests", n_plus_1.requests}, {"requests_per_s", n_plus_1_rate},
                        {"one_trip_requests_per_s", one_trip_rate}, {"over_one_trip", n_plus_1_rate / one_trip_rate},
                        {"events_per_request", static_cast<double>(n_plus_1.events) / static_cast<double>(n_plus_1.requests)}}},
          {"grade_checkout_expert", {{"wall_s", grade_wall}, {"over_one_run", grade_runs}, {"total", graded.total}}},
          {"quiz_cards", {{"cards", cards.wall_s.size()}, {"p50_s", card_p50}, {"p95_s", card_p95}, {"max_s", card_max},
                          {"p95_over_checkout_run", card_p95 / incident.wall_s}}},
          {"figures", figures}};
      if (!app.skipped.empty()) out["app"] = {{"skipped", app.skipped}};
      else out["app"] = {{"launch", app.launch}, {"zoom", app.zoom}, {"apply_fix", app.apply}};
      std::cout << json_text(out) << "\n";
    } else {
      std::printf("M/M/c (lambda %.0f/s, mu %.0f/s, c %d), %llu requests; rates per CPU second of the simulating thread, "
                  "the best of %d turns each\n",
                  lambda, mu, servers, static_cast<unsigned long long>(options.requests), kEngineRounds);
      std::printf("  M/M/c baseline     %12.0f requests/s  %12.0f events/s  (mean latency %.2f ms)\n", bare_rate, bare_events,
                  bare.mean_latency_s * 1e3);
      std::printf("  perfloop engine      %12.0f requests/s  %12.0f events/s  = %.0f%% of the M/M/c baseline's requests/s\n",
                  engine_rate, engine_events, 100 * engine_rate / bare_rate);
      std::printf("/checkout incident, %.0f simulated s, every signal on\n", incident.simulated_s);
      std::printf("  %llu requests in %.2f s (%.2f s of CPU) = %.0f requests per CPU s = %.0f%% of the M/M/c baseline's; "
                  "peak memory %.0f MB\n",
                  static_cast<unsigned long long>(incident.requests), incident.wall_s, incident.cpu_s, incident_rate,
                  100 * incident_rate / bare_rate, incident_peak_mb);
      std::printf("  %.1f events per request, %.0f events/s = %.0f%% of the M/M/c baseline's events/s\n", incident_events_per_request,
                  incident_events, 100 * incident_events / bare_events);
      std::printf("N+1: 51 round trips per request, every signal on\n");
      std::printf("  %12.0f requests/s against %.0f with 1 round trip = %.2fx; %.1f events per request\n", n_plus_1_rate,
                  one_trip_rate, n_plus_1_rate / one_trip_rate,
                  static_cast<double>(n_plus_1.events) / static_cast<double>(n_plus_1.requests));
      std::printf("grading the expert's /checkout answers (score %.1f): %.2f s = %.2f full runs\n", graded.total, grade_wall,
                  grade_runs);
      if (!cards.wall_s.empty())
        std::printf("quiz cards, %zu over every item: p50 %.3f s, p95 %.3f s, max %.3f s (p95 = %.2f full /checkout runs)\n",
                    cards.wall_s.size(), card_p50, card_p95, card_max, card_p95 / incident.wall_s);
      if (!app.skipped.empty()) std::printf("the app's figures: skipped, %s\n", app.skipped.c_str());
      for (const char* part : {"launch", "zoom", "apply_fix"}) {
        const nlohmann::json& j = std::string(part) == "launch" ? app.launch : std::string(part) == "zoom" ? app.zoom : app.apply;
        if (j.contains("error")) std::printf("the app's %s figure: %s\n", part, j["error"].get<std::string>().c_str());
      }
      std::printf("\nthe figures of issue #21, each as a ratio of its baseline:\n");
      for (const auto& f : figures) {
        const std::string goal = f["goal"].get<std::string>();
        const std::string unit = f["unit"].get<std::string>();
        std::printf("  %s: %.4g %s against %s %.4g %s = %.2f; %s\n", f["figure"].get<std::string>().c_str(),
                    f["value"].get<double>(), unit.c_str(), f["baseline"].get<std::string>().c_str(),
                    f["baseline_value"].get<double>(), unit.c_str(), f["ratio"].get<double>(),
                    goal.empty() ? "reported, no goal" : (goal + (f["met"].get<bool>() ? ": met" : ": not met")).c_str());
      }
    }
  } catch (const ScenarioError& e) {
    return fail(e.what());
  }
  return 0;
}

}  // namespace perfloop::cli
