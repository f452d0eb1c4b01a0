#include "ui/platform/session_worker.h"

#include <algorithm>

#include "sim/loop/attempt_store.h"
#include "sim/io/json_text.h"
#include "sim/loop/loop_expert.h"
#include "sim/engine/profile_query.h"
#include "sim/engine/program.h"
#include "sim/engine/rng.h"
#include "sim/scenarios/scenario_loader.h"

namespace perfloop::ui {

// What only the worker thread touches: the script must outlive the session built on it.
struct SessionWorker::State {
  std::unique_ptr<ScenarioScript> script;
  std::unique_ptr<LoopSession> session;
};

std::uint64_t json_key(const nlohmann::json& value) { return hash_name(json_text(value, -1)); }

namespace {

void build_trees(ProfileData& data) {
  const Capture& c = data.capture;
  const std::size_t endpoint = static_cast<std::size_t>(std::max(0, c.endpoint));
  for (FlameMeasure m : {FlameMeasure::CpuSamples, FlameMeasure::AllocBytes, FlameMeasure::OffCpuNs, FlameMeasure::MutexNs})
    data.trees[static_cast<std::size_t>(m)] = std::make_shared<const FlameTree>(
        build_flame_tree(c.symbols, c.profile, endpoint, m, c.has_baseline ? &c.baseline : nullptr));
}

constexpr std::size_t kRecentCaptures = 3;

}  // namespace

SessionWorker::SessionWorker() : state_(std::make_unique<State>()) { thread_ = std::thread(&SessionWorker::loop, this); }

SessionWorker::~SessionWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

void SessionWorker::post(std::string what, std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(Job{std::move(what), generation_, std::move(job)});
  }
  wake_.notify_all();
}

void SessionWorker::loop() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      view_.busy.clear();
      idle_.notify_all();
      wake_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (stop_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      view_.busy = job.what;
      running_generation_ = job.generation;
    }
    try {
      job.run();
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (current()) view_.error = e.what();
    }
  }
}

void SessionWorker::open(const std::string& scenario_path, std::uint64_t seed, const ParamValues& params) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.clear();
    ++generation_;
    const bool running = !view_.busy.empty();  // idle() must still see the old job until it ends
    view_ = SessionView{};
    if (running) view_.busy = "finishing the last scenario's work";
    profile_pending_ = outcome_pending_ = false;
    pending_profile_ = ProfileRequest{};
    recent_profiles_.clear();
    pending_outcome_.clear();
    pending_grade_ = pending_replay_ = 0;
  }
  post("simulating the incident", [this, scenario_path, seed, params] {
    state_->session.reset();
    state_->script = std::make_unique<ScenarioScript>(ScenarioScript::load(scenario_path));
    state_->session = std::make_unique<LoopSession>(*state_->script, params, seed);
    auto build = std::make_shared<const ScenarioBuild>(state_->session->build());
    std::vector<double> times;
    for (std::size_t k = 0; k < build->bottlenecks.size(); ++k) times.push_back(state_->session->fix_time_s(k));
    std::lock_guard<std::mutex> lock(mutex_);
    if (!current()) return;
    view_.scenario_id = state_->script->id();
    view_.build = std::move(build);
    view_.fix_times_s = std::move(times);
    view_.ready = true;
  });
}

void SessionWorker::request_profile(const ProfileRequest& request) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if ((profile_pending_ && pending_profile_ == request) || (view_.profile && view_.profile->request == request)) return;
    for (const auto& recent : recent_profiles_)
      if (recent->request == request) {
        view_.profile = recent;
        profile_pending_ = false;  // a capture still queued for another window is no longer wanted
        pending_profile_ = request;
        return;
      }
    profile_pending_ = true;
    pending_profile_ = request;
  }
  post("capturing the profile", [this, request] {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!(pending_profile_ == request)) return;  // a newer window was asked for since
    }
    if (!state_->session) return;
    auto captured = std::make_shared<ProfileData>();
    captured->request = request;
    captured->capture = capture(state_->session->runs().run(request.fixes), request.window);
    build_trees(*captured);
    std::shared_ptr<const ProfileData> data = std::move(captured);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!current()) return;
    recent_profiles_.insert(recent_profiles_.begin(), data);
    if (recent_profiles_.size() > kRecentCaptures) recent_profiles_.pop_back();
    // Shown only if still the one wanted: a capture served from the recent
    // ones since must not be replaced by this older request.
    if (pending_profile_ == request) {
      view_.profile = std::move(data);
      profile_pending_ = false;
    }
  });
}

void SessionWorker::request_outcome(const std::vector<std::string>& fixes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if ((outcome_pending_ && pending_outcome_ == fixes) || (view_.outcome && view_.outcome->fixes == fixes)) return;
    outcome_pending_ = true;
    pending_outcome_ = fixes;
  }
  post("simulating the fix", [this, fixes] {
    if (!state_->session || fixes.empty()) return;
    auto data = std::make_shared<OutcomeData>();
    data->fixes = fixes;
    data->outcome = state_->session->outcome(fixes);
    data->fix_time_s = state_->session->fix_time_s(fixes.size() - 1);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!current()) return;
    view_.outcome = std::move(data);
    if (pending_outcome_ == fixes) outcome_pending_ = false;
  });
}

void SessionWorker::request_replay(const std::vector<GateChoice>& gates, std::uint64_t key) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_replay_ == key || (view_.replay && view_.replay->key == key)) return;
    pending_replay_ = key;
  }
  post("replaying the next months", [this, gates, key] {
    if (!state_->session) return;
    auto data = std::make_shared<ReplayData>();
    data->key = key;
    data->report = state_->session->replay().evaluate(gates, true);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!current()) return;
    view_.replay = std::move(data);
  });
}

void SessionWorker::request_grade(const Answers& answers, std::uint64_t key, const std::string& save_dir,
                                  const GradeOptions& options) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_grade_ == key || (view_.grade && view_.grade->answers_key == key)) return;
    pending_grade_ = key;
  }
  post("grading", [this, answers, key, save_dir, options] {
    if (!state_->session) return;
    auto data = std::make_shared<GradeData>();
    data->answers_key = key;
    data->result = grade_answers(*state_->session, answers, options);
    if (!save_dir.empty()) {
      try {
        data->saved_path = save_attempt(save_dir, answers.scenario, play_result_json(data->result));
      } catch (const std::exception& e) {
        data->save_error = e.what();
      }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (!current()) return;
    view_.grade = std::move(data);
    if (!view_.grade->save_error.empty()) view_.error = "Could not save the attempt: " + view_.grade->save_error;
  });
}

void SessionWorker::request_expert(const std::string& scenario_id) {
  post("solving", [this, scenario_id] {
    if (!state_->session) return;
    auto answers = std::make_shared<const Answers>(expert_answers(*state_->session, scenario_id));
    std::lock_guard<std::mutex> lock(mutex_);
    if (!current()) return;
    view_.expert = std::move(answers);
  });
}

bool SessionWorker::idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_.empty() && view_.busy.empty();
}

SessionView SessionWorker::view() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return view_;
}

void SessionWorker::wait_idle() const {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [&] { return stop_ || (jobs_.empty() && view_.busy.empty()); });
}

}  // namespace perfloop::ui
