#include "sim/loop/loop_grader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/io/json_text.h"
#include "sim/io/safe_text.h"
#include "sim/loop/scoring.h"

namespace perfloop {

namespace {

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string with_unit(double value, const std::string& unit) {
  return fmt(value >= 100 ? "%.0f" : "%.1f", value) + " " + unit;
}

// A reading as a chart labels it: 3934, 12.5, 0.042.
std::string number(double x) { return fmt(std::fabs(x) >= 100 ? "%.0f" : std::fabs(x) >= 1 ? "%.1f" : "%.3g", x); }

// A factor as a person writes it: 8, 2.5, 120, 1000000.
std::string factor(double x) { return fmt(x >= 100 ? "%.0f" : "%.3g", x); }

const char* yes_no(bool b) { return b ? "yes" : "no"; }

bool contains(const std::vector<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

class Grader {
 public:
  Grader(LoopSession& session, const Answers& answers, const GradeOptions& options)
      : session_(session),
        build_(session.build()),
        answers_(answers),
        answers_json_(answers_to_json(answers)),
        options_(options) {}

  PlayResult run() {
    result_.scenario = answers_.scenario;
    result_.seed = session_.seed();
    for (const ParamSpec& spec : session_.runs().script().params()) {
      const auto it = session_.runs().overrides().find(spec.name);
      if (it != session_.runs().overrides().end() && it->second != spec.default_value)
        result_.params[spec.name] = it->second;
    }
    const std::size_t n = build_.bottlenecks.size();
    result_.full_max = 0;
    for (std::size_t k = 0; k < n; ++k) {
      for (LoopStep step : kLoopSteps) result_.full_max += step_max(step);
    }
    bool complete = answers_.bottlenecks.size() == n && answers_.enforce.has_value();
    for (std::size_t k = 0; k < n; ++k) {
      card(k);
      if (k >= answers_.bottlenecks.size()) continue;
      const BottleneckAnswers& a = answers_.bottlenecks[k];
      complete = complete && a.observe && a.profile && a.classify && a.predict && a.fix && a.verify && a.move_on;
      if (a.observe) observe(k, *a.observe);
      if (a.profile) profile(k, *a.profile);
      if (a.classify) classify(k, *a.classify);
      if (a.predict) predict(k, *a.predict, a);
      if (a.fix) fix(k, *a.fix);
      if (a.verify) verify(k, *a.verify, a);
      if (k + 1 == n && answers_.enforce) enforce(k, *answers_.enforce);
      if (a.move_on) move_on(k, *a.move_on, a);
    }
    if (answers_.bottlenecks.size() < n && answers_.enforce) enforce(n ? n - 1 : 0, *answers_.enforce);
    double score = 0;
    for (const auto& s : result_.steps) {
      score += s.score;
      result_.answered_max += s.max;
    }
    result_.total = result_.full_max > 0 ? 100.0 * score / result_.full_max : 0.0;
    result_.grade = grade_band(result_.total);
    result_.complete = complete;
    return std::move(result_);
  }

 private:
  // The fixes in place when bottleneck k is live: the learner's, or where a
  // partial answer skipped a bottleneck, its first right fix.
  std::vector<std::string> fixes_before(std::size_t k) const { return fixes_in_place(answers_, build_, k); }
  // Where the learner put the onset at Observe (the truth's where they did
  // not answer): the Profile panel's diff baseline ends there, so the
  // capture graded here does too.
  double onset(std::size_t k) const {
    const bool answered = k < answers_.bottlenecks.size() && answers_.bottlenecks[k].observe;
    return answered ? answers_.bottlenecks[k].observe->onset_s : build_.bottlenecks[k].symptom.onset_s;
  }
  std::vector<std::string> fixes_with(std::size_t k, const std::string& fix) const {
    std::vector<std::string> fixes = fixes_before(k);
    fixes.push_back(fix);
    return fixes;
  }

  void add(std::size_t k, LoopStep step, double fraction, std::string feedback, const StepAnswer& a) {
    StepResult r;
    r.step = step;
    r.bottleneck = static_cast<int>(k);
    r.max = step_max(step) * (step == LoopStep::Enforce ? static_cast<double>(build_.bottlenecks.size()) : 1.0);
    r.hints_used = a.hints_used;
    r.score = std::clamp(fraction, 0.0, 1.0) * hint_keep(a.hints_used) * r.max;
    if (a.hints_used > 0)
      feedback += " (" + std::to_string(a.hints_used) + (a.hints_used == 1 ? " hint" : " hints") + " used: " +
                  std::to_string(static_cast<int>(std::lround(100.0 * hint_keep(a.hints_used)))) + "% of the points kept.)";
    r.feedback = std::move(feedback);
    r.seconds = a.seconds;
    // The learner's input, as written in the answers file, for the scorecard.
    const std::string name(step_name(step));
    const nlohmann::json& where = step == LoopStep::Enforce ? answers_json_ : answers_json_["bottlenecks"][k];
    if (where.is_object() && where.contains(name)) r.answer = where[name];
    if (r.answer.is_object()) {
      r.answer.erase("seconds");
      r.answer.erase("hints_used");
    }
    result_.steps.push_back(std::move(r));
  }

  void card(std::size_t k) {
    const BottleneckSpec& b = build_.bottlenecks[k];
    BottleneckCard c;
    c.id = b.id;
    c.title = b.title;
    c.families = b.families;
    c.hot_frame = b.hot_frame;
    c.hot_span = b.hot_span;
    c.stream = b.stream;
    c.root_cause = b.root_cause;
    c.debrief = b.debrief;
    c.right_fixes = b.right_fixes;
    if (k < answers_.bottlenecks.size() && answers_.bottlenecks[k].fix) {
      c.chosen_fix = answers_.bottlenecks[k].fix->id;
      if (const FixSpec* f = build_.find_fix(c.chosen_fix)) c.chosen_fix_text = f->text;
      c.outcome = session_.outcome(fixes_with(k, c.chosen_fix));
    }
    result_.scorecard.push_back(std::move(c));
  }

  void observe(std::size_t k, const ObserveAnswer& a) {
    const SymptomSpec& s = build_.bottlenecks[k].symptom;
    const double tolerance = onset_tolerance_s(build_.duration_s);
    const double onset = onset_score(a.onset_s, s.onset_s, tolerance);
    const double score = 0.3 * (a.endpoint == s.endpoint) + 0.3 * (a.metric == s.metric) + 0.3 * onset +
                         0.1 * (a.side == s.side);
    std::string fb;
    fb += a.endpoint == s.endpoint ? "Right endpoint, " + s.endpoint + ". " : "It was " + s.endpoint + " that moved, not " + a.endpoint + ". ";
    fb += a.metric == s.metric ? "Right metric (" + s.metric + "). " : "The metric that moved was " + s.metric + ", not " + a.metric + ". ";
    fb += "It started at " + clock_text(s.onset_s) + "; you said " + clock_text(a.onset_s) +
          (onset >= 1.0 ? " (close enough). " : onset > 0 ? " (a little off). " : " (too far off). ");
    fb += a.side == s.side ? "Right side (" + s.side + ")." : "It showed on the " + s.side + " side, not the " + a.side + " side.";
    add(k, LoopStep::Observe, score, fb, a);
  }

  void profile(std::size_t k, const ProfileAnswer& a) {
    const BottleneckSpec& b = build_.bottlenecks[k];
    const double live_from = b.symptom.onset_s, live_to = session_.fix_time_s(k);
    const double overlap = std::max(0.0, std::min(a.to_s, live_to) - std::max(a.from_s, live_from));
    const StreamReading cap = session_.capture(fixes_before(k), k, a.stream, a.from_s, a.to_s, onset(k), a.hot_frame);
    // A window shorter than the profiler's own (10 s) holds no data at all.
    const double window = cap.empty ? 0.0 : overlap / (a.to_s - a.from_s);
    const bool stream_right = a.stream == b.stream;
    const bool frame_right = a.hot_frame == b.hot_frame || (!b.hot_span.empty() && a.hot_frame == b.hot_span);
    const double score = 0.3 * stream_right + 0.2 * window + 0.5 * frame_right;
    std::string fb = "Your " + a.stream + " capture from " + clock_text(a.from_s) + " to " + clock_text(a.to_s) + " shows";
    if (cap.empty)
      fb += " nothing: it is shorter than one profile window (10 s)";
    else if (cap.top.empty())
      fb += " nothing for " + b.symptom.endpoint;
    for (std::size_t i = 0; i < cap.top.size() && i < 3; ++i)
      fb += std::string(i ? "," : ":") + " " + cap.top[i].first + " " + fmt("%.1f", cap.top[i].second);
    if (!cap.top.empty()) fb += " (" + cap.unit + ")";
    fb += ". ";
    if (window < 0.999)
      fb += fmt("%.0f%%", 100 * (1 - window)) + " of the window lies outside the time the problem was live (" +
            clock_text(live_from) + " to " + clock_text(live_to) + "). ";
    fb += stream_right ? "Right stream. " : "The stream that shows this bottleneck is " + b.stream + ". ";
    fb += frame_right ? "Right hot spot: " + a.hot_frame + "."
                      : "The hot spot was " + b.hot_frame + (b.hot_span.empty() ? "" : " (span " + b.hot_span + ")") +
                            ", not " + quote(a.hot_frame, 80) + ".";  // the learner's text: escaped, cut
    add(k, LoopStep::Profile, score, fb, a);
  }

  void classify(std::size_t k, const ClassifyAnswer& a) {
    const BottleneckSpec& b = build_.bottlenecks[k];
    const double score = overlap_score(a.families, b.families);
    std::string truth;
    for (const auto& f : b.families) truth += (truth.empty() ? "" : " and ") + f;
    std::string fb = score >= 1.0 ? "Right: " + truth + "." : "The truth is " + truth + ".";
    for (const auto& f : a.families)
      if (!contains(b.families, f)) fb += " " + f + " does not apply here.";
    add(k, LoopStep::Classify, score, fb, a);
  }

  void predict(std::size_t k, const PredictAnswer& a, const BottleneckAnswers& all) {
    const BottleneckSpec& b = build_.bottlenecks[k];
    PredictionResult p;
    p.bottleneck = static_cast<int>(k);
    p.fix = !a.fix.empty() ? a.fix : all.fix ? all.fix->id : b.right_fixes.front();
    p.metric = b.symptom.metric;
    p.unit = headline_unit(p.metric);
    const FixOutcome& out = session_.outcome(fixes_with(k, p.fix));
    p.current = out.headline_before;
    p.actual = out.headline_after;
    p.target = b.symptom.target;
    p.share_pct = a.share_pct;
    p.speedup = a.speedup;
    p.amdahl_speedup = amdahl_speedup(a.share_pct / 100.0, a.speedup);
    p.amdahl_headline = p.metric == "rps" ? p.current * p.amdahl_speedup : p.current / p.amdahl_speedup;
    p.predicted = a.headline;
    p.error_pct = relative_error_pct(a.headline, p.actual);
    p.go = a.go;
    p.go_right = a.go == out.target_met;

    // The share is graded against the learner's own capture: the frame they
    // named, in the stream and window they chose (the truth's where skipped).
    const ProfileAnswer* pa = all.profile ? &*all.profile : nullptr;
    const StreamReading cap = session_.capture(fixes_before(k), k, pa ? pa->stream : b.stream,
                                               pa ? pa->from_s : b.symptom.onset_s,
                                               pa ? pa->to_s : session_.fix_time_s(k), onset(k),
                                               pa ? pa->hot_frame : b.hot_frame);
    const double accuracy = error_score(p.error_pct);
    // Go/no-go weighs most: a prediction's job is to stop work on the wrong
    // hot spot. It must also follow from the learner's own figure: a "go"
    // on a predicted headline that misses the target is a guess.
    const bool consistent = a.go == headline_meets(p.metric, a.headline, p.target);
    double score = 0.35 * (p.go_right && consistent);
    std::string fb = "Amdahl's law on your inputs: p = " + fmt("%.1f%%", a.share_pct) + ", s = " + factor(a.speedup) +
                     " gives " + fmt("%.2fx", p.amdahl_speedup) + ", so " + with_unit(p.current, p.unit) + " would become " +
                     with_unit(p.amdahl_headline, p.unit) + ". You predicted " + with_unit(p.predicted, p.unit) + "; with " +
                     p.fix + " the simulation measured " + with_unit(p.actual, p.unit) + " (" + fmt("%.0f%%", p.error_pct) + " off). ";
    if (cap.empty) {
      // p read from a capture that holds nothing is a guess.
      score += 0.5 * accuracy;
      fb += "Your capture held no profile to read p from. ";
    } else if (std::isnan(cap.share_pct)) {
      score += 0.65 * accuracy;
    } else {
      score += 0.5 * accuracy + 0.15 * error_score(std::fabs(a.share_pct - cap.share_pct), 3.0, 15.0);
      fb += "The profile gives that hot spot " + fmt("%.1f%%", cap.share_pct) + ". ";
    }
    // A "go" on a hot spot that cannot meet the target sends the team to
    // build the wrong fix: however close the figure, the prediction failed.
    if (!p.go_right) score = std::min(score, 0.25);
    fb += std::string("The target is ") + with_unit(p.target, p.unit) + ": the right call was " +
          (out.target_met ? "go" : "no-go") + (p.go_right ? ", as you said." : ", not what you said.");
    if (!consistent)
      fb += std::string(" Your own prediction ") + (a.go ? "misses" : "meets") + " the target, so your " +
            (a.go ? "go" : "no-go") + " does not follow from it.";
    add(k, LoopStep::Predict, score, fb, a);
    result_.predictions.push_back(p);
  }

  void fix(std::size_t k, const FixAnswer& a) {
    const BottleneckSpec& b = build_.bottlenecks[k];
    const bool right = contains(b.right_fixes, a.id);
    const FixOutcome& out = session_.outcome(fixes_with(k, a.id));
    const std::string unit = headline_unit(b.symptom.metric);
    std::string fb = std::string(right ? "A fix for the cause. " : "Not the fix for this bottleneck. ") + "Applied at " +
                     clock_text(session_.fix_time_s(k)) + ": " + b.symptom.endpoint + " " + b.symptom.metric + " went from " +
                     with_unit(out.headline_before, unit) + " to " + with_unit(out.headline_after, unit) + ". ";
    if (const FixSpec* f = build_.find_fix(a.id)) fb += f->text;
    add(k, LoopStep::Fix, right ? 1.0 : 0.0, fb, a);
  }

  void verify(std::size_t k, const VerifyAnswer& a, const BottleneckAnswers& all) {
    const BottleneckSpec& b = build_.bottlenecks[k];
    if (!all.fix) {
      add(k, LoopStep::Verify, 0.0, "Nothing was fixed, so there is nothing to verify.", a);
      return;
    }
    const FixOutcome& out = session_.outcome(fixes_with(k, all.fix->id));
    const bool shrank = out.hotspot_after < 0.95 * out.hotspot_before;
    const bool improved = b.symptom.metric == "rps" ? out.headline_after > 1.05 * out.headline_before
                                                    : out.headline_after < 0.95 * out.headline_before;
    const int right = (a.hotspot_shrank == shrank) + (a.headline_improved == improved) + (a.target_met == out.target_met);
    const std::string unit = headline_unit(b.symptom.metric);
    std::string fb = "Under the same load: hot spot (" + out.hotspot_unit + ") " + number(out.hotspot_before) + " -> " +
                     number(out.hotspot_after) + " (shrank: " + yes_no(shrank) + "); headline " +
                     with_unit(out.headline_before, unit) + " -> " + with_unit(out.headline_after, unit) +
                     " (improved: " + yes_no(improved) + "); target " + with_unit(b.symptom.target, unit) +
                     " met: " + yes_no(out.target_met) + ". " + std::to_string(right) + " of 3 readings right.";
    add(k, LoopStep::Verify, readings_score(right, 3), fb, a);
  }

  void move_on(std::size_t k, const MoveOnAnswer& a, const BottleneckAnswers& all) {
    if (!all.fix) {
      add(k, LoopStep::MoveOn, 0.0, "Nothing was fixed: the loop goes back to Profile.", a);
      return;
    }
    const BottleneckSpec& b = build_.bottlenecks[k];
    const FixOutcome& out = session_.outcome(fixes_with(k, all.fix->id));
    const bool decision = a.resolved == out.target_met;
    // The widest frame is a server profile's; for a browser metric the
    // decision is the whole step.
    const bool server = b.symptom.side == "server";
    const bool frame = !out.widest_frame.empty() && a.next_frame == out.widest_frame;
    std::string fb = out.target_met ? "The headline is back within target: time to move on."
                                    : "The headline is still off target: back to Profile, this hot spot was not the answer.";
    if (server)
      fb += " The widest frame of " + b.symptom.endpoint + " is now " + out.widest_frame + " (" +
            fmt("%.1f%%", out.widest_pct) + " self CPU)" + (frame ? ", as you said." : ".");
    add(k, LoopStep::MoveOn, server ? 0.5 * decision + 0.5 * frame : 1.0 * decision, fb, a);
  }

  void enforce(std::size_t k, const EnforceAnswer& a) {
    EnforceReport report = session_.replay().evaluate(a.gates, options_.drift);
    std::string fb = "Over the next months: " + replay_verdicts_text(report);
    if (!report.drift.empty()) {
      const std::string& metric = build_.bottlenecks.front().symptom.metric;
      const bool higher_is_better = metric == "rps";
      double worst_without = report.drift.front().without, worst_with = report.drift.front().with;
      for (const auto& d : report.drift) {
        worst_without = higher_is_better ? std::min(worst_without, d.without) : std::max(worst_without, d.without);
        worst_with = higher_is_better ? std::min(worst_with, d.with) : std::max(worst_with, d.with);
      }
      const std::string unit = headline_unit(metric);
      fb += " Worst " + report.headline + " over those months: " + with_unit(worst_without, unit) + " without your set, " +
            with_unit(worst_with, unit) + " with it.";
    }
    add(k, LoopStep::Enforce, report.score, fb, a);
    result_.enforce = std::move(report);
  }

  LoopSession& session_;
  const ScenarioBuild& build_;
  const Answers& answers_;
  const nlohmann::json answers_json_;
  GradeOptions options_;
  PlayResult result_;
};

}  // namespace

const char* grade_band(double total) {
  if (total >= 90.0) return "expert";
  if (total >= 75.0) return "solid";
  if (total >= 55.0) return "partial";
  return "low";
}

SessionNeeds grading_needs(const LoopSession& session, const Answers& answers, const GradeOptions& options) {
  const ScenarioBuild& build = session.build();
  SessionNeeds needs;
  for (std::size_t k = 0; k < answers.bottlenecks.size() && k < build.bottlenecks.size(); ++k) {
    const BottleneckAnswers& a = answers.bottlenecks[k];
    const BottleneckSpec& b = build.bottlenecks[k];
    const std::vector<std::string> before = fixes_in_place(answers, build, k);
    // The captures Profile and Predict read, as far as their windows go, as
    // Grader::profile and Grader::predict ask for them (Grader::onset).
    const double onset = a.observe ? a.observe->onset_s : b.symptom.onset_s;
    if (a.profile) {
      needs.runs.push_back({before, capture_through(build, a.profile->to_s)});
      needs.captures.push_back({before, k, a.profile->stream, a.profile->from_s, a.profile->to_s, onset, a.profile->hot_frame});
    }
    if (a.predict && !a.profile) {
      needs.runs.push_back({before, capture_through(build, session.fix_time_s(k))});
      needs.captures.push_back({before, k, b.stream, b.symptom.onset_s, session.fix_time_s(k), onset, b.hot_frame});
    }
    auto with = [&](const std::string& fix) {
      std::vector<std::string> fixes = before;
      fixes.push_back(fix);
      needs.runs.push_back({std::move(fixes), WhatIfRuns::kToTheEnd});
    };
    if (a.fix) with(a.fix->id);
    if (a.predict) {
      // As Grader::predict picks it.
      if (!a.predict->fix.empty()) with(a.predict->fix);
      else if (!a.fix && !build.bottlenecks[k].right_fixes.empty()) with(build.bottlenecks[k].right_fixes.front());
    }
  }
  if (answers.enforce) {
    needs.readings = true;
    needs.drift = options.drift;
    needs.gate_sets.push_back(answers.enforce->gates);
  }
  return needs;
}

namespace {

void prepare_for(LoopSession& session, const SessionNeeds& needs, const GradeOptions& options) {
  if (options.workers >= 0) session.prepare(needs, options.workers > 0 ? options.workers : grading_workers());
}

}  // namespace

PlayResult grade_answers(LoopSession& session, const Answers& answers, const GradeOptions& options) {
  prepare_for(session, grading_needs(session, answers, options), options);
  return Grader(session, answers, options).run();
}

std::vector<PlayResult> grade_batch(LoopSession& session, const std::vector<Answers>& answers, const GradeOptions& options) {
  SessionNeeds all;
  for (const auto& a : answers) {
    SessionNeeds needs = grading_needs(session, a, options);
    for (auto& r : needs.runs) all.runs.push_back(std::move(r));
    for (auto& c : needs.captures) all.captures.push_back(std::move(c));
    for (auto& g : needs.gate_sets) all.gate_sets.push_back(std::move(g));
    all.readings = all.readings || needs.readings;
    all.drift = all.drift || needs.drift;
  }
  prepare_for(session, all, options);
  std::vector<PlayResult> results;
  for (const auto& a : answers) results.push_back(Grader(session, a, options).run());
  return results;
}

nlohmann::json play_result_json(const PlayResult& r) {
  using nlohmann::json;
  json steps = json::array();
  for (const auto& s : r.steps) {
    json j = {{"step", std::string(step_name(s.step))},
              {"bottleneck", r.scorecard.at(static_cast<std::size_t>(s.bottleneck)).id},
              {"score", round_to(s.score, 2)},
              {"max", s.max},
              {"feedback", s.feedback}};
    if (s.seconds >= 0) j["seconds"] = s.seconds;
    j["hints_used"] = s.hints_used;
    if (!s.answer.is_null()) j["answer"] = s.answer;
    steps.push_back(std::move(j));
  }
  auto prediction_json = [](const PredictionResult& p) {
    return json{{"bottleneck", p.bottleneck},
                {"fix", p.fix},
                {"metric", p.metric},
                {"unit", p.unit},
                {"current_ms", round_to(p.current, 1)},
                {"share_pct", p.share_pct},
                {"speedup", p.speedup},
                {"amdahl_speedup", round_to(p.amdahl_speedup, 4)},
                {"amdahl_ms", round_to(p.amdahl_headline, 1)},
                {"predicted_ms", p.predicted},
                {"actual_ms", round_to(p.actual, 1)},
                {"error_pct", round_to(p.error_pct, 1)},
                {"target_ms", p.target},
                {"go", p.go},
                {"go_right", p.go_right}};
  };
  json predictions = json::array();
  for (const auto& p : r.predictions) predictions.push_back(prediction_json(p));
  double seconds = 0;
  bool timed = false;
  for (const auto& s : r.steps)
    if (s.seconds >= 0) {
      seconds += s.seconds;
      timed = true;
    }
  json out = {{"scenario", r.scenario},
              {"seed", r.seed},
              {"params", r.params},
              {"total", round_to(r.total, 1)},
              {"grade", r.grade},
              {"complete", r.complete},
              {"answered_max", r.answered_max},
              {"full_max", r.full_max},
              {"steps", std::move(steps)},
              {"prediction", r.predictions.empty() ? json(nullptr) : prediction_json(r.predictions.front())},
              {"predictions", std::move(predictions)},
              // Time the learner recorded across the steps (game days' MTTR); null when none was.
              {"seconds_total", timed ? json(seconds) : json(nullptr)}};
  if (r.enforce) {
    const EnforceReport& e = *r.enforce;
    json changes = json::array();
    for (const auto& c : e.changes)
      changes.push_back({{"day", c.day},
                         {"title", c.title},
                         {"harmful", c.harmful},
                         {"verdict", verdict_name(c.verdict)},
                         {"blocked_by", c.blocked_by},
                         {"paged_by", c.paged_by}});
    json drift = json::array();
    for (const auto& d : e.drift)
      drift.push_back({{"day", d.day}, {"without", round_to(d.without, 1)}, {"with", round_to(d.with, 1)}});
    out["enforce"] = {{"score", round_to(e.score, 3)},
                      {"caught", e.caught},
                      {"harmful", e.harmful},
                      {"false_alarms", e.false_alarms},
                      {"harmless", e.harmless},
                      {"runbook", e.has_runbook},
                      {"idle", e.idle},
                      {"changes", std::move(changes)},
                      {"drift_headline", e.headline},
                      {"drift", std::move(drift)}};
  }
  json cards = json::array();
  for (const auto& c : r.scorecard) {
    json card = {{"bottleneck", c.id},         {"title", c.title},         {"families", c.families},
                 {"stream", c.stream},         {"hot_frame", c.hot_frame}, {"hot_span", c.hot_span},
                 {"right_fixes", c.right_fixes}, {"root_cause", c.root_cause}, {"debrief", c.debrief}};
    if (!c.chosen_fix.empty()) {
      card["chosen_fix"] = c.chosen_fix;
      card["chosen_fix_text"] = c.chosen_fix_text;
    }
    if (c.outcome) {
      auto changes = [](const std::vector<Change>& list) {
        json out = json::array();
        for (const auto& x : list)
          out.push_back({{"name", x.name}, {"before", round_to(x.before, 3)}, {"after", round_to(x.after, 3)}});
        return out;
      };
      card["outcome"] = {{"headline_before", round_to(c.outcome->headline_before, 1)},
                         {"headline_after", round_to(c.outcome->headline_after, 1)},
                         {"hotspot_before", round_to(c.outcome->hotspot_before, 3)},
                         {"hotspot_after", round_to(c.outcome->hotspot_after, 3)},
                         {"hotspot_unit", c.outcome->hotspot_unit},
                         {"target_met", c.outcome->target_met},
                         {"profile_diff_ms_per_request", changes(c.outcome->profile_diff)},
                         {"span_diff_mean_ms", changes(c.outcome->span_diff)}};
    }
    cards.push_back(std::move(card));
  }
  out["scorecard"] = std::move(cards);
  return out;
}

}  // namespace perfloop
