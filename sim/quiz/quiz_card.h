// A quiz card: a small case cut from a scenario (quiz_variant.h), run with
// the card's own seed, and the evidence a learner judges it by. The truth is
// the scenario's, and the outcome is what this run does; the case stays
// open in the card so grading reads the same runs the evidence came from.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "sim/engine/capture.h"
#include "sim/loop/loop_session.h"
#include "sim/quiz/quiz_pool.h"

namespace perfloop {

// A choice on the card: a family (classify) or a gate (enforce).
struct QuizChoice {
  std::string id, label, detail;
  // Gates: their kind, suggested threshold and its unit, copied so a panel
  // never reads the case while it is being graded on another thread.
  std::string kind, unit;
  double threshold = 0.0;
};

// The symptom's headline per 10 s window, from the start of the run to the
// moment the fix would land: what happened, never what comes next.
struct HeadlineSeries {
  std::string endpoint, metric, unit;
  double target = 0.0;
  double duration_s = 0.0;           // the chart's time axis
  std::vector<double> t_s, values;   // window ends, headline values
  std::vector<double> changes_s;     // deploys and config changes, without their text
};

// One profile stream of the capture, as the Profile step reads it.
struct StreamView {
  std::string stream;  // cpu, alloc, offcpu
  std::string unit;    // of `widest`: "% of CPU samples (self)", "KB per request", "ms per request"
  std::vector<std::pair<std::string, double>> widest;  // the widest leaf frames
};

struct ClassifyEvidence {
  Capture capture;                 // the live stretch, with the baseline before the onset
  // CPU, allocation and off-CPU, all three and CPU first, as the Profile
  // step offers them: which one the case shows in would name its family.
  std::vector<StreamView> streams;
  std::string case_stream;         // the one the case calls for: the feedback's, never shown before
  int trace = -1;                  // the slowest kept trace in capture.slow_traces; -1: none
  const StreamView* stream(const std::string& name) const;
};

struct PredictEvidence {
  double current = 0.0, target = 0.0;  // the headline now and what it must come back to
  std::string hot_spot, stream;        // the frame or span, and where its share is read
  double share_pct = 0.0;              // its share in that stream over the live stretch
  std::string fix_id, fix_title;
  double local_speedup = 1.0;          // how much faster the fix makes the hot spot alone
  int cores = 1;
  int cores_after = 1;                 // once the fix lands (its title says when it changes them)
  double rps = 0.0;                    // arrivals at the whole service
  double cpu_utilisation = 0.0;        // busy share of the cores, 0..1
  double service_cpu_share_pct = 0.0;  // the hot spot's part of all the service's CPU
};

struct EnforceEvidence {
  std::string what_happened;   // the regression, in a line
  double before = 0.0, during = 0.0;
  std::string fix_title;       // what fixed it
  std::vector<FutureChangeSpec> changes;  // what is coming; `harmful` is the truth, never shown
};

class QuizCase;

struct QuizCard {
  std::string id;
  CardId key;
  std::string item;  // "classify:lock-bound": names the family, so a classify card's item is shown only after
  std::string scenario_id;
  std::string prompt;
  HeadlineSeries headline;
  ClassifyEvidence classify;
  PredictEvidence predict;
  EnforceEvidence enforce;
  std::vector<QuizChoice> choices;
  int variant_attempt = 0;     // which draw of quiz_variant the case is
  ParamValues params;          // the case's parameters that differ from the scenario's
  std::shared_ptr<QuizCase> quiz_case;  // the runs, for grading
  QuizKind kind() const { return key.kind; }
};

// Makes the card `id` names; throws QuizError when no scenario in `pool` makes it.
QuizCard make_quiz_card(const QuizPool& pool, const CardId& id);
QuizCard make_quiz_card(const QuizPool& pool, const std::string& id);

// A new card for `item`, drawn with `seed` among the item's sources.
CardId draw_card_id(const QuizPool& pool, const QuizItem& item, std::uint32_t seed);

// The runs behind a card: the scenario, its session, and what the learner is graded against.
class QuizCase {
 public:
  QuizCase(std::unique_ptr<ScenarioScript> script, std::unique_ptr<LoopSession> session, int bottleneck);
  LoopSession& session() { return *session_; }
  const BottleneckSpec& bottleneck() const { return session_->build().bottlenecks.at(static_cast<std::size_t>(k_)); }
  int bottleneck_index() const { return k_; }
  std::vector<std::string> fixes_before() const;
  std::mutex& mutex() { return mutex_; }  // a card's runs are graded by one thread at a time

 private:
  std::unique_ptr<ScenarioScript> script_;
  std::unique_ptr<LoopSession> session_;
  int k_ = 0;
  std::mutex mutex_;
};

}  // namespace perfloop
