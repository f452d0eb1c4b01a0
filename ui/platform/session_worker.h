// The graded loop behind the panels: a LoopSession living on a thread of its
// own. The panels ask for what they need (a capture of a window, a fix's
// outcome, the grading of the answers so far) and read the latest answer
// each frame; the heavy work (what-if runs, the Enforce replay) never runs
// on the UI thread. Requests are idempotent: asking again for what is
// pending or already answered costs nothing.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sim/loop/answers.h"
#include "sim/engine/capture.h"
#include "sim/loop/loop_grader.h"
#include "sim/engine/model.h"
#include "sim/engine/signals.h"
#include "sim/engine/symbols.h"
#include "ui/core/flame_layout.h"

namespace perfloop::ui {

// A window of the run (with the fixes landed so far) as the Profile step shows it.
struct ProfileRequest {
  std::vector<std::string> fixes;
  CaptureWindow window;  // the learner's window and the diff's baseline
  bool operator==(const ProfileRequest&) const = default;
};

// The engine's capture of the window (the one the grader reads), and its
// flame graphs per FlameMeasure (with the baseline for the diff), built here
// on the worker: a real profile's tree takes longer than a frame.
struct ProfileData {
  ProfileRequest request;
  Capture capture;
  std::array<std::shared_ptr<const FlameTree>, 4> trees;
};

struct OutcomeData {
  std::vector<std::string> fixes;
  FixOutcome outcome;
  double fix_time_s = 0;
};

struct GradeData {
  std::uint64_t answers_key = 0;  // which answers were graded
  PlayResult result;
  std::string saved_path;         // where the attempt was written; empty: not saved
  std::string save_error;
};

struct ReplayData {
  std::uint64_t key = 0;  // which gate set was replayed
  EnforceReport report;
};

struct SessionView {
  bool ready = false;          // the session exists (its base run is done)
  std::string busy;            // what the worker is doing now; empty: idle
  std::string error;           // the last failure (a broken scenario, a failed save)
  std::string scenario_id;      // the script's own id (a scenario opened by path has no other)
  std::shared_ptr<const ScenarioBuild> build;
  std::shared_ptr<const ProfileData> profile;
  std::shared_ptr<const OutcomeData> outcome;
  std::shared_ptr<const GradeData> grade;
  std::shared_ptr<const ReplayData> replay;
  std::vector<double> fix_times_s;  // when each bottleneck's fix lands
  std::shared_ptr<const Answers> expert;
};

class SessionWorker {
 public:
  SessionWorker();
  SessionWorker(const SessionWorker&) = delete;
  SessionWorker& operator=(const SessionWorker&) = delete;
  ~SessionWorker();

  // Loads the scenario with `params` overriding its parameters and runs it
  // once (the session's base run). The dashboards' SimWorker runs the same
  // base run again, on purpose: it streams windows to Observe a simulated
  // minute at a time and restarts whenever the fixes change, while this one
  // must finish whole before the what-if runs fork it. Sharing one would make
  // Observe wait for the session or the session for the stream; on two cores
  // the two runs go side by side, and the same seed gives the same numbers.
  void open(const std::string& scenario_path, std::uint64_t seed, const ParamValues& params = {});
  void request_profile(const ProfileRequest& request);
  void request_outcome(const std::vector<std::string>& fixes);
  // Grades `answers` (identified by `key`, e.g. a hash of their JSON); with a
  // folder, saves the attempt there.
  // Enforce's replay of the months after the incident with these gates.
  void request_replay(const std::vector<GateChoice>& gates, std::uint64_t key);
  // `options` say what is worth computing: the coach's grading of a step
  // needs no drift, the scorecard's does.
  void request_grade(const Answers& answers, std::uint64_t key, const std::string& save_dir,
                     const GradeOptions& options = {});
  // The expert's answers (for demonstrations, screenshots and benchmarks).
  void request_expert(const std::string& scenario_id);
  SessionView view() const;
  // Nothing queued and nothing running.
  bool idle() const;
  // Blocks until every request so far is answered (tests, screenshots).
  void wait_idle() const;

 private:
  struct State;
  struct Job {
    std::string what;
    std::uint64_t generation = 0;  // the open() it belongs to
    std::function<void()> run;
  };
  void loop();
  void post(std::string what, std::function<void()> job);
  // Under the lock: the running job still belongs to the scenario open now.
  // A job that was running when open() came must not publish into the new view.
  bool current() const { return running_generation_ == generation_; }

  std::unique_ptr<State> state_;
  mutable std::mutex mutex_;
  mutable std::condition_variable wake_, idle_;
  std::deque<Job> jobs_;
  std::uint64_t generation_ = 0;          // bumped by open()
  std::uint64_t running_generation_ = 0;  // the running job's
  SessionView view_;
  // The last few captures: Profile and Move on each show their own window,
  // and going back and forth between them should not capture again.
  std::vector<std::shared_ptr<const ProfileData>> recent_profiles_;
  ProfileRequest pending_profile_;
  bool profile_pending_ = false;
  std::vector<std::string> pending_outcome_;
  bool outcome_pending_ = false;
  std::uint64_t pending_grade_ = 0;
  std::uint64_t pending_replay_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

// A stable 64-bit key for a JSON document (FNV-1a of its dump).
std::uint64_t json_key(const nlohmann::json& value);

}  // namespace perfloop::ui
