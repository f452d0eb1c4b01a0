#include "sim/learn/coach.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "sim/learn/asset_paths.h"
#include "sim/io/safe_text.h"
#include "sim/loop/scoring.h"

namespace perfloop {

namespace {

using Values = std::map<std::string, std::string>;

const char* const kSteps[] = {"observe", "profile", "classify", "predict", "fix", "verify", "move_on", "enforce"};
const char* const kExplanations[] = {"observe", "profile", "classify", "predict", "fix", "verify_prediction",
                                     "verify", "verify_queueing", "verify_short", "verify_fix", "move_on", "enforce"};

std::string num(double x) {
  char buf[64];
  const double a = std::fabs(x);
  std::snprintf(buf, sizeof buf, a >= 100 ? "%.0f" : a >= 1 || a == 0 ? "%.1f" : "%.2g", x);
  return buf;
}

std::string joined(const std::vector<std::string>& items, const char* last = " and ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? last : ", ") + items[i];
  return out;
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

std::map<std::string, std::string> read_section(const nlohmann::json& doc, const std::string& file,
                                                const std::string& section, const std::vector<std::string>& keys) {
  if (!doc.contains(section) || !doc[section].is_object())
    throw std::runtime_error(file + ": " + section + ": must be an object of texts");
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : doc[section].items()) {
    if (!value.is_string() || value.get<std::string>().empty())
      throw std::runtime_error(file + ": " + section + "." + printable(key, 60) + ": must be a non-empty text");
    out[key] = value.get<std::string>();
  }
  for (const auto& key : keys)
    if (!out.count(key)) throw std::runtime_error(file + ": " + section + "." + key + ": missing");
  return out;
}

const StepResult* graded(const PlayResult& result, std::size_t k, LoopStep step) {
  for (const StepResult& s : result.steps)
    if (s.step == step && (step == LoopStep::Enforce || s.bottleneck == static_cast<int>(k))) return &s;
  return nullptr;
}

const PredictionResult* prediction(const PlayResult& result, std::size_t k) {
  for (const PredictionResult& p : result.predictions)
    if (p.bottleneck == static_cast<int>(k)) return &p;
  return nullptr;
}

std::string answer_text(const nlohmann::json& answer, const char* key) {
  if (!answer.is_object() || !answer.contains(key)) return "?";
  const nlohmann::json& v = answer[key];
  if (v.is_number()) return num(v.get<double>());
  if (v.is_string()) return printable(v.get<std::string>(), 80);
  return "?";
}

std::string fix_title(const ScenarioBuild& build, const std::string& id) {
  const auto it = std::find_if(build.fixes.begin(), build.fixes.end(), [&](const FixSpec& f) { return f.id == id; });
  return it == build.fixes.end() ? id : it->title;
}

std::string reveal(const CoachTexts& texts, const ScenarioBuild& build, const Answers& expert, std::size_t k,
                   LoopStep step) {
  const std::string name(step_name(step));
  Values v;
  if (step == LoopStep::Enforce) {
    if (!expert.enforce) return "";
    std::vector<std::string> gates;
    for (const GateChoice& g : expert.enforce->gates) {
      const auto it = std::find_if(build.enforce.gates.begin(), build.enforce.gates.end(),
                                   [&](const GateSpec& s) { return s.id == g.id; });
      gates.push_back(it == build.enforce.gates.end() ? g.id : it->title);
    }
    v["gates"] = gates.empty() ? "none" : joined(gates);
    return fill_template(texts.reveal.at(name), v);
  }
  if (k >= expert.bottlenecks.size()) return "";
  const BottleneckAnswers& b = expert.bottlenecks[k];
  switch (step) {
    case LoopStep::Observe:
      if (!b.observe) return "";
      v = {{"endpoint", b.observe->endpoint}, {"metric", b.observe->metric}, {"onset", num(b.observe->onset_s)},
           {"side", b.observe->side}};
      break;
    case LoopStep::Profile:
      if (!b.profile) return "";
      v = {{"stream", b.profile->stream}, {"from", num(b.profile->from_s)}, {"to", num(b.profile->to_s)},
           {"frame", b.profile->hot_frame}};
      break;
    case LoopStep::Classify:
      if (!b.classify) return "";
      v = {{"families", joined(b.classify->families)}};
      break;
    case LoopStep::Predict:
      if (!b.predict) return "";
      v = {{"p", num(b.predict->share_pct)}, {"s", num(b.predict->speedup)}, {"headline", num(b.predict->headline)},
           {"unit", headline_unit(build.bottlenecks[k].symptom.metric)}, {"go", b.predict->go ? "go" : "no go"}};
      break;
    case LoopStep::Fix:
      if (!b.fix) return "";
      v = {{"fix", b.fix->id}, {"fix_title", fix_title(build, b.fix->id)}};
      break;
    case LoopStep::Verify:
      if (!b.verify) return "";
      v = {{"hotspot_shrank", yes_no(b.verify->hotspot_shrank)},
           {"headline_improved", yes_no(b.verify->headline_improved)},
           {"target_met", yes_no(b.verify->target_met)}};
      break;
    case LoopStep::MoveOn:
      if (!b.move_on) return "";
      v = {{"resolved", yes_no(b.move_on->resolved)},
           {"next_frame_text", b.move_on->next_frame.empty() ? "" : " The widest frame now: " + b.move_on->next_frame + "."}};
      break;
    case LoopStep::Enforce: break;
  }
  return fill_template(texts.reveal.at(name), v);
}

}  // namespace

CoachTexts parse_coach(const std::string& text, const std::string& file) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw std::runtime_error(file + ": not a JSON object");
  if (!doc.contains("version") || doc["version"] != 1) throw std::runtime_error(file + ": version: this perfloop reads 1");
  const std::vector<std::string> steps(std::begin(kSteps), std::end(kSteps));
  CoachTexts texts;
  texts.nudges = read_section(doc, file, "nudges", steps);
  texts.pointers = read_section(doc, file, "pointers", steps);
  texts.reveal = read_section(doc, file, "reveal", steps);
  texts.explain = read_section(doc, file, "explain", {std::begin(kExplanations), std::end(kExplanations)});
  std::vector<std::string> families;
  for (const char* f : kFamilies) families.emplace_back(f);
  texts.families = read_section(doc, file, "families", families);
  return texts;
}

CoachTexts load_coach() { return parse_coach(read_asset("coach.json"), find_asset("coach.json")); }

std::string fill_template(const std::string& text, const Values& values) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('{', i);
    const std::size_t close = open == std::string::npos ? std::string::npos : text.find('}', open);
    if (close == std::string::npos) break;
    out.append(text, i, open - i);
    const auto it = values.find(text.substr(open + 1, close - open - 1));
    if (it != values.end()) out += it->second;
    else out.append(text, open, close - open + 1);
    i = close + 1;
  }
  out.append(text, std::min(i, text.size()), std::string::npos);
  return out;
}

std::string coach_hint(const CoachTexts& texts, const ScenarioBuild& build, const Answers& expert, std::size_t k,
                       LoopStep step, int level) {
  const std::string name(step_name(step));
  if (level <= 1) {
    if (k < build.bottlenecks.size()) {
      const auto& hints = build.bottlenecks[k].hints;
      if (const auto it = hints.find(name); it != hints.end() && !it->second.empty()) return it->second;
    }
    return texts.nudges.at(name);
  }
  if (level == 2) return texts.pointers.at(name);
  return reveal(texts, build, expert, k, step);
}

std::string coach_explanation(const CoachTexts& texts, const ScenarioBuild& build, const PlayResult& result,
                              std::size_t k, LoopStep step) {
  const StepResult* s = graded(result, k, step);
  if (!s || (step != LoopStep::Enforce && k >= build.bottlenecks.size())) return "";
  const auto& t = texts.explain;
  Values v;
  const BottleneckSpec* b = k < build.bottlenecks.size() ? &build.bottlenecks[k] : nullptr;
  const BottleneckCard* card = k < result.scorecard.size() ? &result.scorecard[k] : nullptr;
  switch (step) {
    case LoopStep::Observe:
      v = {{"your_onset", answer_text(s->answer, "onset_s")}, {"true_onset", num(b->symptom.onset_s)},
           {"endpoint", b->symptom.endpoint}, {"metric", b->symptom.metric}};
      return fill_template(t.at("observe"), v);
    case LoopStep::Profile:
      v = {{"stream", answer_text(s->answer, "stream")}, {"from", answer_text(s->answer, "from_s")},
           {"to", answer_text(s->answer, "to_s")}, {"your_frame", answer_text(s->answer, "hot_frame")}};
      return fill_template(t.at("profile"), v);
    case LoopStep::Classify: {
      std::string signature;
      for (const auto& f : b->families)
        if (const auto it = texts.families.find(f); it != texts.families.end())
          signature += (signature.empty() ? "" : " ") + it->second;
      v = {{"families", joined(b->families)}, {"signature", signature}};
      return fill_template(t.at("classify"), v);
    }
    case LoopStep::Predict: {
      const PredictionResult* p = prediction(result, k);
      if (!p) return "";
      const double share = std::clamp(p->share_pct / 100.0, 0.0, 1.0);
      v = {{"p", num(p->share_pct)}, {"s", num(p->speedup)}, {"p_fraction", num(share)},
           {"amdahl", num(p->amdahl_speedup)}, {"current", num(p->current)}, {"unit", p->unit},
           {"amdahl_headline", num(p->amdahl_headline)},
           {"cap", share >= 1.0 ? "unbounded" : num(1.0 / (1.0 - share))}, {"rest", num(100.0 - p->share_pct)}};
      return fill_template(t.at("predict"), v);
    }
    case LoopStep::Fix: {
      if (!card || card->chosen_fix.empty()) return "";
      v = {{"fix_title", fix_title(build, card->chosen_fix)}};
      return fill_template(t.at("fix"), v);
    }
    case LoopStep::Verify: {
      if (!card || !card->outcome) return "";
      const FixOutcome& o = *card->outcome;
      const std::string unit = headline_unit(b->symptom.metric);
      v = {{"before", num(o.headline_before)}, {"after", num(o.headline_after)}, {"unit", unit},
           {"target", num(b->symptom.target)}, {"hotspot_before", num(o.hotspot_before)},
           {"hotspot_after", num(o.hotspot_after)}, {"hotspot_unit", o.hotspot_unit},
           {"fix_text", card->chosen_fix_text}};
      std::string out;
      const PredictionResult* p = prediction(result, k);
      if (p) {
        v["predicted"] = num(p->predicted);
        v["actual"] = num(p->actual);
        v["error"] = num(p->error_pct);
        v["amdahl_headline"] = num(p->amdahl_headline);
        out = fill_template(t.at("verify_prediction"), v) + " ";
      }
      out += fill_template(t.at("verify"), v);
      // Queueing: the tail of a busy service falls by more than the work
      // removed; a fix beside the cause falls short of Amdahl.
      const bool latency = unit == std::string("ms");
      if (p && latency && p->amdahl_headline > 0 && o.headline_after < 0.85 * p->amdahl_headline)
        out += " " + fill_template(t.at("verify_queueing"), v);
      else if (p && p->amdahl_headline > 0 && o.headline_after > 1.15 * p->amdahl_headline)
        out += " " + fill_template(t.at("verify_short"), v);
      if (!card->chosen_fix_text.empty()) out += " " + fill_template(t.at("verify_fix"), v);
      return out;
    }
    case LoopStep::MoveOn: {
      if (!card || !card->outcome) return "";
      const FixOutcome& o = *card->outcome;
      v = {{"widest_frame", o.widest_frame.empty() ? "none" : o.widest_frame}, {"widest_pct", num(o.widest_pct)},
           {"target_met_text", o.target_met ? "it now does" : "it still does not"}};
      return fill_template(t.at("move_on"), v);
    }
    case LoopStep::Enforce: {
      if (!result.enforce) return "";
      const EnforceReport& e = *result.enforce;
      v = {{"caught", num(e.caught)}, {"harmful", std::to_string(e.harmful)}, {"false_alarms", num(e.false_alarms)},
           {"harmless", std::to_string(e.harmless)}};
      return fill_template(t.at("enforce"), v);
    }
  }
  return "";
}

}  // namespace perfloop
