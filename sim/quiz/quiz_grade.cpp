#include "sim/quiz/quiz_grade.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/io/safe_text.h"
#include "sim/loop/loop_expert.h"
#include "sim/loop/scoring.h"

namespace perfloop {

namespace {

using nlohmann::json;

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string with_unit(double value, const std::string& unit) {
  return fmt(std::fabs(value) >= 100 ? "%.0f" : "%.1f", value) + " " + unit;
}

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw QuizError("answer." + field + ": " + message);
}

const char* type_of(const json& v) {
  return v.is_object() ? "an object" : v.is_array() ? "an array" : v.is_string() ? "a string" : v.is_boolean() ? "true/false"
       : v.is_number() ? "a number" : "null";
}

void only_keys(const json& doc, std::initializer_list<const char*> allowed) {
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    bool known = false;
    for (const char* k : allowed) known = known || it.key() == k;
    if (!known) {
      std::string list;
      for (const char* k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
      fail(quote(it.key(), 40), "unknown field (this card takes " + list + ")");
    }
  }
}

double number(const json& doc, const char* key, double lo, double hi) {
  if (!doc.contains(key)) fail(key, "missing");
  const json& v = doc.at(key);
  if (!v.is_number()) fail(key, std::string("must be a number, got ") + type_of(v));
  const double x = v.get<double>();
  if (!(x >= lo && x <= hi)) fail(key, "must be between " + fmt("%g", lo) + " and " + fmt("%g", hi));
  return x;
}

}  // namespace

QuizAnswer parse_quiz_answer(const QuizCard& card, const std::string& text) {
  if (text.size() > kMaxAnswersBytes) throw QuizError("answer: over 1 MiB; an answer is a few hundred bytes");
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw QuizError(std::string("answer: not JSON (") + quote(e.what(), 120) + ")");
  }
  if (!doc.is_object()) throw QuizError(std::string("answer: must be a JSON object, got ") + type_of(doc));
  QuizAnswer a;
  if (doc.contains("seconds")) a.seconds = number(doc, "seconds", 0, 86400);
  switch (card.kind()) {
    case QuizKind::Classify: {
      only_keys(doc, {"families", "seconds"});
      if (!doc.contains("families")) fail("families", "missing (one or two of the eight families)");
      const json& list = doc.at("families");
      if (!list.is_array()) fail("families", std::string("must be an array, got ") + type_of(list));
      if (list.empty() || list.size() > 2) fail("families", "name one family, or two");
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string field = "families[" + std::to_string(i + 1) + "]";
        if (!list[i].is_string()) fail(field, std::string("must be a string, got ") + type_of(list[i]));
        const std::string f = list[i].get<std::string>();
        if (family_index(f) < 0) fail(field, "not one of the eight families: " + quote(f, 40));
        if (std::find(a.families.begin(), a.families.end(), f) != a.families.end()) fail(field, "named twice");
        a.families.push_back(f);
      }
      break;
    }
    case QuizKind::Predict: {
      only_keys(doc, {"headline", "go", "seconds"});
      a.headline = number(doc, "headline", 0, 1e9);
      if (!doc.contains("go")) fail("go", "missing (true: the fix brings the headline within target)");
      if (!doc.at("go").is_boolean()) fail("go", std::string("must be true or false, got ") + type_of(doc.at("go")));
      a.go = doc.at("go").get<bool>();
      break;
    }
    case QuizKind::Enforce: {
      only_keys(doc, {"gates", "seconds"});
      if (!doc.contains("gates")) fail("gates", "missing (a list of {\"id\": ..., \"threshold\": ...})");
      const json& list = doc.at("gates");
      if (!list.is_array()) fail("gates", std::string("must be an array, got ") + type_of(list));
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string field = "gates[" + std::to_string(i + 1) + "]";
        const json& g = list[i];
        if (!g.is_object()) fail(field, std::string("must be an object, got ") + type_of(g));
        for (auto it = g.begin(); it != g.end(); ++it)
          if (it.key() != "id" && it.key() != "threshold") fail(field + "." + quote(it.key(), 40), "unknown field (id, threshold)");
        if (!g.contains("id") || !g.at("id").is_string()) fail(field + ".id", "missing or not a string");
        GateChoice choice;
        choice.id = g.at("id").get<std::string>();
        const bool known = std::any_of(card.choices.begin(), card.choices.end(),
                                       [&](const QuizChoice& c) { return c.id == choice.id; });
        if (!known) fail(field + ".id", "no such gate on this card: " + quote(choice.id, 60));
        for (const auto& earlier : a.gates)
          if (earlier.id == choice.id) fail(field + ".id", "chosen twice");
        if (g.contains("threshold")) {
          if (!g.at("threshold").is_number()) fail(field + ".threshold", "must be a number");
          const double t = g.at("threshold").get<double>();
          if (!(t >= 0 && t <= 1e12)) fail(field + ".threshold", "must be between 0 and 1e12");
          choice.threshold = t;
        }
        a.gates.push_back(choice);
      }
      break;
    }
  }
  return a;
}

json quiz_answer_json(const QuizCard& card, const QuizAnswer& a) {
  switch (card.kind()) {
    case QuizKind::Classify: return {{"families", a.families}};
    case QuizKind::Predict: return {{"headline", a.headline}, {"go", a.go}};
    case QuizKind::Enforce: {
      json gates = json::array();
      for (const auto& g : a.gates) {
        json j = {{"id", g.id}};
        if (g.threshold) j["threshold"] = *g.threshold;
        gates.push_back(std::move(j));
      }
      return {{"gates", std::move(gates)}};
    }
  }
  return json::object();
}

namespace {

PredictOutcome predict_outcome(QuizCard& card) {
  QuizCase& c = *card.quiz_case;
  const PredictEvidence& p = card.predict;
  std::vector<std::string> with = c.fixes_before();
  with.push_back(p.fix_id);
  const FixOutcome& out = c.session().outcome(with);
  PredictOutcome o;
  o.actual = out.headline_after;
  o.target_met = out.target_met;
  o.amdahl = p.current / amdahl_speedup(p.share_pct / 100.0, p.local_speedup);
  o.queueing = queueing_estimate(p.current, p.cores, p.cpu_utilisation, p.share_pct / 100.0, p.local_speedup,
                                 p.service_cpu_share_pct / 100.0, p.cores_after);
  const bool agree = relative_error_pct(o.queueing.headline, o.amdahl) < 5.0;
  o.followed = agree ? "both"
               : std::fabs(o.queueing.headline - o.actual) < std::fabs(o.amdahl - o.actual) ? "queueing"
                                                                                            : "amdahl";
  return o;
}

}  // namespace

QuizAnswer quiz_truth(QuizCard& card) {
  std::lock_guard<std::mutex> lock(card.quiz_case->mutex());
  QuizAnswer t;
  switch (card.kind()) {
    case QuizKind::Classify: t.families = card.quiz_case->bottleneck().families; break;
    case QuizKind::Predict: {
      const PredictOutcome o = predict_outcome(card);
      t.go = o.target_met;
      // Rounded for people, unless rounding would carry it across the target.
      t.headline = std::round(o.actual * 10.0) / 10.0;
      if (headline_meets(card.headline.metric, t.headline, card.predict.target) != t.go) t.headline = o.actual;
      break;
    }
    case QuizKind::Enforce: t.gates = best_gate_set(card.quiz_case->session()); break;
  }
  return t;
}

QuizResult grade_quiz(QuizCard& card, const QuizAnswer& a) {
  QuizResult r;
  r.truth = quiz_truth(card);
  std::lock_guard<std::mutex> lock(card.quiz_case->mutex());
  QuizCase& c = *card.quiz_case;
  const BottleneckSpec& b = c.bottleneck();
  r.families = b.families;
  r.root_cause = b.root_cause;
  std::string truth_families;
  for (const auto& f : b.families) truth_families += (truth_families.empty() ? "" : " and ") + f;
  double fraction = 0.0;
  std::string& fb = r.feedback;
  switch (card.kind()) {
    case QuizKind::Classify: {
      fraction = overlap_score(a.families, b.families);
      fb = fraction >= 1.0 ? "Right: " + truth_families + ". " : "It was " + truth_families + ". ";
      for (const auto& f : a.families)
        if (std::find(b.families.begin(), b.families.end(), f) == b.families.end()) fb += f + " does not apply here. ";
      static const std::vector<std::pair<std::string, double>> kNone;
      const StreamView* shown = card.classify.stream(card.classify.case_stream);
      const auto& widest = shown ? shown->widest : kNone;
      if (!widest.empty() && widest.front().first != b.hot_frame &&
          (b.hot_span.empty() || widest.front().first != b.hot_span))
        fb += "The widest frame, " + widest.front().first + ", shows where the time went, not why: it is an effect. ";
      else if (!widest.empty() && widest.front().first.rfind("runtime.", 0) == 0)
        fb += "The widest frame, " + widest.front().first + ", is the runtime doing work the code caused: an effect, so look at what feeds it. ";
      fb += b.root_cause;
      break;
    }
    case QuizKind::Predict: {
      const PredictEvidence& p = card.predict;
      const PredictOutcome o = predict_outcome(card);
      const std::string unit = card.headline.unit;
      const double error = relative_error_pct(a.headline, o.actual);
      const bool go_right = a.go == o.target_met;
      const bool consistent = a.go == headline_meets(card.headline.metric, a.headline, p.target);
      // As on the loop's Predict step: the go/no-go weighs most, and a "go"
      // that sends the team to build a fix that cannot meet the target fails.
      fraction = 0.35 * (go_right && consistent) + 0.65 * error_score(error);
      if (!go_right) fraction = std::min(fraction, 0.25);
      fb = "You predicted " + with_unit(a.headline, unit) + "; the case measured " + with_unit(o.actual, unit) + " with " +
           p.fix_title + " (" + fmt("%.0f%%", error) + " off). The target is " + with_unit(p.target, unit) + ": " +
           (o.target_met ? "go" : "no-go") + (go_right ? ", as you said. " : ", not what you said. ");
      if (!consistent) fb += "Your own figure " + std::string(a.go ? "misses" : "meets") + " the target, so your call does not follow from it. ";
      fb += "Amdahl on p = " + fmt("%.1f%%", p.share_pct) + ", s = " + fmt("%.3g", p.local_speedup) + " gives " +
            with_unit(o.amdahl, unit) + "; the queueing estimate (" + std::to_string(p.cores) + " cores at " +
            fmt("%.0f%%", 100.0 * o.queueing.utilisation_before) + " busy, " + fmt("%.0f%%", 100.0 * o.queueing.utilisation_after) +
            " after) gives " + with_unit(o.queueing.headline, unit) + ". ";
      const double off_amdahl = relative_error_pct(o.amdahl, o.actual), off_queue = relative_error_pct(o.queueing.headline, o.actual);
      if (p.cores_after != p.cores)
        fb += "The fix moved the service from " + std::to_string(p.cores) + " to " + std::to_string(p.cores_after) +
              " cores: the same work over " + (p.cores_after > p.cores ? "more" : "fewer") +
              " cores changes only the queue for them, which Amdahl's law cannot see. ";
      if (off_amdahl > 30.0 && off_queue > 30.0 && p.stream != "cpu")
        fb += "The outcome followed neither: p was a share of the " + p.stream + " profile" +
              (p.stream == "alloc" ? " (bytes allocated)" : p.stream == "offcpu" ? " (time waited)" : " (span time)") +
              ", not of the request's time on the cores, so the speed-up of that part moved the headline " +
              (o.actual > o.amdahl ? "less" : "more") + " than Amdahl on it says.";
      else if (off_amdahl > 30.0 && off_queue > 30.0)
        fb += "The outcome followed neither: the fix changed more than the hot spot's own cost, so no estimate on p "
              "and s could see it.";
      else if (o.followed == "both")
        fb += "The outcome followed both estimates, which agree here: the cores had room (" +
              fmt("%.0f%%", 100.0 * o.queueing.utilisation_before) +
              " busy) or the fix took little of their work, so the time saved was the work removed and no more.";
      else if (o.followed == "queueing" && o.queueing.utilisation_before >= 0.6)
        fb += "The outcome followed the queue: with the cores that busy, requests spent much of their time waiting, and "
              "the fix cut the wait as well as the work.";
      else if (o.followed == "queueing")
        fb += "The outcome was nearer the queueing estimate, though the cores had room: some of what the fix removed was "
              "time spent waiting for them.";
      else
        fb += "The outcome followed Amdahl: the part the fix sped up was not what the cores queued for.";
      // What the fix does, and why it helps or not: the playbook's own words, now that it is answered.
      for (const auto& f : c.session().build().fixes)
        if (f.id == p.fix_id && !f.text.empty()) fb += " " + f.text;
      r.predict = o;
      break;
    }
    case QuizKind::Enforce: {
      EnforceReport report = c.session().replay().evaluate(a.gates, false);
      // Graded against the best set this case allows (some cases have no
      // perfect set: a regression no gate sees), so the expert's scores 100.
      const double best = c.session().replay().evaluate(r.truth.gates, false).score;
      fraction = best > 0 ? report.score / best : report.score;
      fb = "Replayed: " + replay_verdicts_text(report);
      r.enforce = std::move(report);
      break;
    }
  }
  r.score = std::round(std::clamp(fraction, 0.0, 1.0) * r.max * 10.0) / 10.0;
  return r;
}

}  // namespace perfloop
