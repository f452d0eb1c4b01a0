#include "ui/platform/game_worker.h"

#include <algorithm>
#include <chrono>

#include "sim/loop/attempt_store.h"

namespace perfloop::ui {

namespace {

std::uint64_t next_game_version() {
  static std::atomic<std::uint64_t> counter{1};
  return counter++;
}

// How long the worker sleeps between steps of the clock: well under a frame,
// so the charts move smoothly at any speed.
constexpr auto kTick = std::chrono::milliseconds(10);
// At most this much simulated time per step, so a command (a fix, the end)
// waits for one short step at most.
constexpr double kMaxStepS = 5.0;

}  // namespace

GameWorker::~GameWorker() { stop(); }

void GameWorker::start(const std::string& scenario_path, std::uint64_t seed, ParamValues params, double speed) {
  stop();
  std::lock_guard<std::mutex> lock(mutex_);
  stop_ = false;
  speed_ = speed;
  commands_.clear();
  run_ = RunSnapshot{};
  run_.version = next_game_version();
  view_ = GameView{};
  view_.speed = speed;
  view_.version = next_game_version();
  fix_walls_.clear();
  inject_events_.clear();
  thread_ = std::thread(&GameWorker::loop, this, scenario_path, seed, std::move(params));
}

void GameWorker::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GameWorker::set_speed(double speed) {
  std::lock_guard<std::mutex> lock(mutex_);
  speed_ = speed;
  view_.speed = speed;
  view_.version = next_game_version();
}

void GameWorker::apply_fix(std::size_t bottleneck, const std::string& id, double wall_s) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    commands_.push_back({Command::Kind::Fix, bottleneck, id, wall_s, nullptr});
  }
  wake_.notify_all();
}

void GameWorker::send_inject(const std::string& id, double wall_s) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    commands_.push_back({Command::Kind::Inject, 0, id, wall_s, nullptr});
  }
  wake_.notify_all();
}

void GameWorker::hold_inject(const std::string& id, bool held) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& inject : view_.injects)
    if (inject.spec.id == id) inject.held = held;
  view_.version = next_game_version();
}

void GameWorker::end(GameEnding ending) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    commands_.push_back({Command::Kind::End, 0, {}, -1.0, std::make_shared<GameEnding>(std::move(ending))});
  }
  wake_.notify_all();
}

void GameWorker::refresh(RunSnapshot& run, GameView& view) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (run.version != run_.version) run = run_;
  if (view.version != view_.version) view = view_;
}

void GameWorker::fire_inject_locked(InjectState& inject, double now_s, double wall_s) {
  if (inject.fired_s) return;
  inject.fired_s = now_s;
  inject.fired_wall_s = wall_s;
  // A deploy elsewhere shows as a deploy (it should tempt like one); a page
  // or a message as itself.
  inject_events_.push_back({s_to_ns(now_s), inject.spec.kind, inject.spec.service,
                            inject.spec.kind == "deploy" ? inject.spec.text : inject_text(inject.spec)});
}

// Under the lock: the service's log with the injects sent so far, in time order.
void GameWorker::merge_log_locked(const Simulation& sim) {
  run_.events = sim.events();
  run_.events.insert(run_.events.end(), inject_events_.begin(), inject_events_.end());
  std::stable_sort(run_.events.begin(), run_.events.end(), [](const LogEvent& a, const LogEvent& b) { return a.t < b.t; });
}

// Under the lock: what the live run shows now, for the UI to copy.
void GameWorker::publish_locked(const LiveRun& live) {
  const Simulation& sim = live.simulation();
  const auto& windows = sim.windows();
  std::size_t had = run_.burn.size();
  if (had < windows.size()) {
    for (std::size_t i = had; i < windows.size(); ++i) append_window_points(sim, windows[i], run_.series, run_.burn);
    merge_log_locked(sim);
    run_.done_s = ns_to_s(static_cast<double>(windows.back().end));
    run_.finished = live.finished();
    run_.fixes.clear();
    for (const auto& f : live.fixes()) run_.fixes.push_back(f.id);
    run_.version = next_game_version();
  }
  view_.clock_s = ns_to_s(static_cast<double>(live.now()));
  if (live.page()) {
    view_.page_s = ns_to_s(static_cast<double>(*live.page()));
    view_.page_text = live.page_text();
  }
  const auto since = live.recovery().within_since();
  view_.within_since_s = since ? std::optional<double>(ns_to_s(static_cast<double>(*since))) : std::nullopt;
  if (live.recovered()) view_.recovered_s = ns_to_s(static_cast<double>(*live.recovered()));
  view_.fixes = game_fixes(live, fix_walls_);
  view_.out_of_time = live.finished();
  view_.version = next_game_version();
}

void GameWorker::loop(std::string path, std::uint64_t seed, ParamValues params) {
  std::optional<ScenarioScript> script;
  std::unique_ptr<LiveRun> live;
  try {
    script.emplace(ScenarioScript::load(path));
    live = std::make_unique<LiveRun>(*script, params, seed);
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    view_.error = e.what();
    view_.version = next_game_version();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto& endpoints = live->simulation().symbols().endpoints();
    for (const auto& e : endpoints) run_.endpoints.push_back(e.name);
    run_.series.resize(endpoints.size());
    run_.slo_endpoint = live->slo().endpoint;
    run_.slo_ms = live->slo().threshold_ms;
    run_.duration_s = ns_to_s(static_cast<double>(live->horizon()));
    view_.build = std::make_shared<const ScenarioBuild>(live->build());
    view_.horizon_s = run_.duration_s;
    for (const auto& spec : live->build().injects) view_.injects.push_back({spec, false, std::nullopt, -1.0});
    view_.ready = true;
    publish_locked(*live);
  }
  double clock_s = 0.0;  // the target the simulation runs to, fractions of a second kept
  auto last = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, kTick, [&] { return stop_ || !commands_.empty(); });
    if (stop_) break;
    const auto now = std::chrono::steady_clock::now();
    const double wall = std::chrono::duration<double>(now - last).count();
    last = now;
    // Commands first, each at the simulated moment the run has reached.
    while (!commands_.empty()) {
      Command command = std::move(commands_.front());
      commands_.pop_front();
      const double now_s = ns_to_s(static_cast<double>(live->now()));
      try {
        if (command.kind == Command::Kind::Fix) {
          if (view_.ended || live->finished()) continue;
          lock.unlock();
          live->apply_fix(command.bottleneck, command.id);
          lock.lock();
          fix_walls_.push_back(command.wall_s);
        } else if (command.kind == Command::Kind::Inject) {
          for (auto& inject : view_.injects)
            if (inject.spec.id == command.id) fire_inject_locked(inject, now_s, command.wall_s);
          // The log changes now, not at the next window.
          merge_log_locked(live->simulation());
          run_.version = next_game_version();
        } else if (command.kind == Command::Kind::End && !view_.ended) {
          speed_ = 0.0;
          view_.speed = 0.0;
          const GameEnding ending = *command.ending;
          lock.unlock();
          finish(*script, *live, params, seed, ending);
          lock.lock();
        }
      } catch (const std::exception& e) {
        view_.error = e.what();
      }
      publish_locked(*live);
    }
    if (view_.ended || speed_ <= 0.0 || live->finished()) continue;
    clock_s = std::max(clock_s, ns_to_s(static_cast<double>(live->now())));
    clock_s += std::min(wall * speed_, kMaxStepS);
    // Injects whose time has come fire as the clock passes them.
    lock.unlock();
    live->advance_to(s_to_ns(clock_s));
    lock.lock();
    const double reached = ns_to_s(static_cast<double>(live->now()));
    for (auto& inject : view_.injects)
      if (!inject.held && !inject.fired_s && inject.spec.at_s <= reached) fire_inject_locked(inject, inject.spec.at_s, -1.0);
    publish_locked(*live);
  }
}

void GameWorker::finish(ScenarioScript& script, LiveRun& live, const ParamValues& params, std::uint64_t seed,
                        const GameEnding& ending) {
  GameRecord record = ending.room;
  Answers answers = ending.answers;
  std::vector<InjectState> injects;
  std::vector<double> fix_walls;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    injects = view_.injects;
    fix_walls = fix_walls_;
  }
  record_live_run(record, live, fix_walls);
  for (const auto& inject : injects)
    if (inject.fired_s) add_event(record, {*inject.fired_s, "inject", inject_text(inject.spec), inject.fired_wall_s});
  // The fixes as they landed are the answer: the last for each bottleneck,
  // the ones before it tried.
  for (std::size_t k = 0; k < answers.bottlenecks.size(); ++k) {
    auto& fix = answers.bottlenecks[k].fix;
    std::vector<FixTry> landed;
    for (const auto& f : record.fixes)
      if (f.bottleneck == k) landed.push_back({f.id, f.at_s});
    if (landed.empty()) continue;
    if (!fix) fix.emplace();
    fix->id = landed.back().id;
    fix->at_s = landed.back().at_s;
    fix->tried.assign(landed.begin(), landed.end() - 1);
  }
  const auto released = std::count_if(ending.room.timeline.begin(), ending.room.timeline.end(),
                                      [](const GameEvent& e) { return e.kind == "hint"; });
  record_answers(record, answers, live.build(), false);
  // Hints released on a step never answered still count.
  record.hints_used = std::max(record.hints_used, static_cast<int>(released));
  finish_record(record);
  GameDayOptions options;
  options.team = record.team;
  options.signals = record.signals;
  options.seed = seed;
  options.overrides = params;
  std::shared_ptr<nlohmann::json> result;
  std::string saved, error;
  try {
    result = std::make_shared<nlohmann::json>(gameday_result_json(grade_gameday(script, answers, record, options)));
    if (!ending.save_dir.empty()) saved = save_attempt(ending.save_dir, script.id(), *result);
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  view_.ended = true;
  view_.result = result;
  view_.saved_path = saved;
  view_.save_error = error;
  view_.version = next_game_version();
}

}  // namespace perfloop::ui
