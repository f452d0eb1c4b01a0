// A game day's live run on a thread of its own. The game clock is the
// simulation's own time: the worker advances it at the speed the
// facilitator set (simulated seconds per wall second) and streams what has
// happened so far; a fix, an inject or the end is a command the worker
// carries out at its current simulated moment. The UI thread never
// simulates: it copies the latest snapshot when it changed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/gameday/gameday_replay.h"
#include "ui/platform/sim_worker.h"

namespace perfloop::ui {

// The speeds a facilitator can pick, simulated seconds per wall second.
inline constexpr double kGameSpeeds[] = {1.0, 2.0, 5.0, 10.0, 30.0};

struct InjectState {
  InjectSpec spec;
  bool held = false;                // the facilitator keeps it from firing at its time
  std::optional<double> fired_s;    // when the team got it
  double fired_wall_s = -1.0;
};

struct GameView {
  std::uint64_t version = 0;  // changes whenever anything here does
  bool ready = false;         // the scenario is built and the run has started
  std::string error;
  std::shared_ptr<const ScenarioBuild> build;
  double clock_s = 0.0, horizon_s = 0.0;
  double speed = 0.0;         // 0: paused
  std::optional<double> page_s;
  std::string page_text;
  std::optional<double> within_since_s, recovered_s;
  std::vector<GameFix> fixes; // as landed
  std::vector<InjectState> injects;
  bool out_of_time = false;   // the clock reached the run's end
  // Once ended: the graded attempt (play's fields and the game's).
  bool ended = false;
  std::shared_ptr<const nlohmann::json> result;
  std::string saved_path, save_error;
};

// What the UI hands over at the end: the team's answers and what happened
// in the room (the acknowledgement, the hints released).
struct GameEnding {
  Answers answers;
  GameRecord room;  // team, signals, ack_s and the room's events
  std::string save_dir;
};

class GameWorker {
 public:
  GameWorker() = default;
  GameWorker(const GameWorker&) = delete;
  GameWorker& operator=(const GameWorker&) = delete;
  ~GameWorker();

  // Builds the scenario and starts the clock at `speed` (0: paused).
  void start(const std::string& scenario_path, std::uint64_t seed, ParamValues params, double speed);
  void stop();
  bool running() const { return thread_.joinable(); }
  void set_speed(double speed);
  void apply_fix(std::size_t bottleneck, const std::string& id, double wall_s);
  void send_inject(const std::string& id, double wall_s);
  void hold_inject(const std::string& id, bool held);
  // Grades the answers against the live run and saves the attempt; the
  // clock stops.
  void end(GameEnding ending);

  // Copies the view, and the run into `run` when a window closed since it was taken.
  void refresh(RunSnapshot& run, GameView& view) const;

 private:
  struct Command {
    enum class Kind { Fix, Inject, End } kind;
    std::size_t bottleneck = 0;
    std::string id;
    double wall_s = -1.0;
    std::shared_ptr<GameEnding> ending;
  };
  void loop(std::string path, std::uint64_t seed, ParamValues params);
  void publish_locked(const LiveRun& live);
  void merge_log_locked(const Simulation& sim);
  void finish(ScenarioScript& script, LiveRun& live, const ParamValues& params, std::uint64_t seed,
              const GameEnding& ending);
  void fire_inject_locked(InjectState& inject, double now_s, double wall_s);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  bool stop_ = false;
  double speed_ = 0.0;
  std::deque<Command> commands_;
  RunSnapshot run_;
  GameView view_;
  std::vector<double> fix_walls_;
  std::vector<LogEvent> inject_events_;
};

}  // namespace perfloop::ui
