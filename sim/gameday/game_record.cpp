#include "sim/gameday/game_record.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "sim/io/safe_text.h"
#include "sim/loop/loop_session.h"

namespace perfloop {

using nlohmann::json;

std::optional<double> GameRecord::fix_s() const {
  if (fixes.empty()) return std::nullopt;
  return fixes.back().at_s;
}

std::optional<double> GameRecord::detect_s() const {
  if (!page_s || !ack_s) return std::nullopt;
  return std::max(0.0, *ack_s - *page_s);
}

std::optional<double> GameRecord::mttr_s() const {
  if (!page_s || !recovered_s) return std::nullopt;
  return std::max(0.0, *recovered_s - *page_s);
}

int GameRecord::wrong_fixes() const {
  return static_cast<int>(std::count_if(fixes.begin(), fixes.end(), [](const GameFix& f) { return !f.right; }));
}

std::string hms(double seconds) {
  const long long s = std::llround(std::max(0.0, seconds));
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  return text;
}

std::string duration_words(double seconds) {
  const long long s = std::llround(std::max(0.0, seconds));
  char text[48];
  if (s >= 3600) std::snprintf(text, sizeof text, "%lld h %02lld min", s / 3600, (s / 60) % 60);
  else if (s >= 60) std::snprintf(text, sizeof text, "%lld min %02lld s", s / 60, s % 60);
  else std::snprintf(text, sizeof text, "%lld s", s);
  return text;
}

std::string checked_team_name(const std::string& name) {
  if (name.empty()) throw std::invalid_argument("a team needs a name");
  if (name.size() > 40) throw std::invalid_argument("a team name is at most 40 characters");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) throw std::invalid_argument("a team name is one line of printable text");
  if (printable(name, 40) != name) throw std::invalid_argument("a team name is one line of printable text");
  return name;
}

void add_event(GameRecord& record, GameEvent event) { record.timeline.push_back(std::move(event)); }

void finish_record(GameRecord& record) {
  std::stable_sort(record.timeline.begin(), record.timeline.end(),
                   [](const GameEvent& a, const GameEvent& b) { return a.t_s < b.t_s; });
}

std::vector<GameFix> game_fixes(const LiveRun& run, const std::vector<double>& wall_s) {
  std::vector<GameFix> fixes;
  for (std::size_t i = 0; i < run.fixes().size(); ++i) {
    const AppliedFix& f = run.fixes()[i];
    GameFix fix{f.bottleneck, f.id, f.id, ns_to_s(static_cast<double>(f.at)), i < wall_s.size() ? wall_s[i] : -1.0, f.right};
    for (const auto& spec : run.build().fixes)
      if (spec.id == f.id) fix.title = spec.title;
    fixes.push_back(fix);
  }
  return fixes;
}

void record_live_run(GameRecord& record, const LiveRun& run, const std::vector<double>& fix_wall_s) {
  const Simulation& sim = run.simulation();
  const ScenarioBuild& build = run.build();
  record.end_s = ns_to_s(static_cast<double>(sim.now()));
  if (run.page()) {
    record.page_s = ns_to_s(static_cast<double>(*run.page()));
    record.page_text = run.page_text();
  }
  if (run.recovered()) record.recovered_s = ns_to_s(static_cast<double>(*run.recovered()));
  record.fixes = game_fixes(run, fix_wall_s);
  // The service's own log, without the fixes (the record has its own
  // entries for them) and without error lines (a minute each: noise in a debrief).
  for (const auto& e : sim.events()) {
    if (e.kind == "fix" || e.kind == "error" || e.kind == "phase") continue;
    const bool page = record.page_s && e.kind == "alert" && e.text == record.page_text &&
                      std::abs(ns_to_s(static_cast<double>(e.t)) - *record.page_s) < 1e-6;
    add_event(record, {ns_to_s(static_cast<double>(e.t)), page ? "page" : e.kind,
                       (e.service.empty() ? std::string() : e.service + ": ") + e.text});
  }
  for (const auto& f : record.fixes)
    add_event(record, {f.at_s, "fix", "Fix applied: " + f.title + " (" + f.id + ")", f.wall_s});
  if (record.recovered_s)
    add_event(record, {*record.recovered_s, "recovered",
                       "Headline back within target, and it stayed there for the next 5 minutes"});

  GameHeadline& h = record.headline;
  h = {};
  const auto watches = headline_watches(build);
  if (!watches.empty() && !build.bottlenecks.empty()) {
    const auto& symptom = build.bottlenecks.front().symptom;
    h.endpoint = symptom.endpoint;
    h.metric = symptom.metric;
    h.unit = headline_unit(symptom.metric);
    h.target = symptom.target;
    const auto& windows = sim.windows();
    if (!windows.empty()) h.step_s = ns_to_s(static_cast<double>(windows.front().end - windows.front().start));
    h.values.reserve(windows.size());
    for (std::size_t i = 0; i < windows.size(); ++i) h.values.push_back(rolling_headline(windows, i, watches.front()));
  }
}

namespace {

std::string number_text(double v, int digits = 0) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", digits, v);
  return text;
}

void answer_event(bool hint_events, GameRecord& record, const StepAnswer& a, const char* step, std::string text) {
  record.hints_used += a.hints_used;
  if (a.at_s < 0) return;
  add_event(record, {a.at_s, "answer", std::string(step) + ": " + text});
  if (a.hints_used > 0 && hint_events) {
    add_event(record, {a.at_s, "hint",
                       std::string(step) + ": " + std::to_string(a.hints_used) + (a.hints_used == 1 ? " hint" : " hints") +
                           " used"});
  }
}

}  // namespace

void record_answers(GameRecord& record, const Answers& answers, const ScenarioBuild& build, bool hint_events) {
  record.hints_used = 0;
  const bool several = answers.bottlenecks.size() > 1;
  for (std::size_t k = 0; k < answers.bottlenecks.size(); ++k) {
    const auto& b = answers.bottlenecks[k];
    const std::string tag = several ? " (bottleneck " + std::to_string(k + 1) + ")" : "";
    if (b.observe)
      answer_event(hint_events, record, *b.observe, ("Observe" + tag).c_str(),
                   b.observe->endpoint + " " + b.observe->metric + " moved from " + hms(b.observe->onset_s) + " (" +
                       b.observe->side + " side)");
    if (b.profile)
      answer_event(hint_events, record, *b.profile, ("Profile" + tag).c_str(),
                   b.profile->stream + " over " + hms(b.profile->from_s) + "-" + hms(b.profile->to_s) + ", widest: " +
                       b.profile->hot_frame);
    if (b.classify) {
      std::string families;
      for (const auto& f : b.classify->families) families += (families.empty() ? "" : " + ") + f;
      answer_event(hint_events, record, *b.classify, ("Classify" + tag).c_str(), families);
    }
    if (b.predict) {
      const auto& p = *b.predict;
      const std::string unit = k < build.bottlenecks.size() ? headline_unit(build.bottlenecks[k].symptom.metric) : "";
      answer_event(hint_events, record, *b.predict, ("Predict" + tag).c_str(),
                   number_text(p.share_pct) + "% of the time made " + number_text(p.speedup, p.speedup < 10 ? 1 : 0) + "x faster: " +
                       number_text(p.headline) + " " + unit + ", " + (p.go ? "go" : "no-go"));
    }
    // The fix itself is on the timeline from the live run, where it landed;
    // only the hints the step took are the answer's to add.
    if (b.fix) {
      record.hints_used += b.fix->hints_used;
      if (b.fix->hints_used > 0 && b.fix->at_s >= 0 && hint_events) {
        add_event(record, {b.fix->at_s, "hint", "Fix" + tag + ": " + std::to_string(b.fix->hints_used) +
                                                   (b.fix->hints_used == 1 ? " hint" : " hints") + " used"});
      }
    }
    if (b.verify) {
      const auto& v = *b.verify;
      answer_event(hint_events, record, *b.verify, ("Verify" + tag).c_str(),
                   std::string("hot spot ") + (v.hotspot_shrank ? "shrank" : "did not shrink") + ", headline " +
                       (v.headline_improved ? "improved" : "did not improve") + ", target " +
                       (v.target_met ? "met" : "not met"));
    }
    if (b.move_on)
      answer_event(hint_events, record, *b.move_on, ("Move on" + tag).c_str(),
                   b.move_on->resolved ? "resolved" : "back to Profile");
  }
  if (answers.enforce) {
    std::string gates;
    for (const auto& g : answers.enforce->gates) gates += (gates.empty() ? "" : ", ") + g.id;
    answer_event(hint_events, record, *answers.enforce, "Enforce", gates.empty() ? "no gates" : gates);
  }
}

namespace {

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json event_json(const GameEvent& e) {
  json j = {{"t_s", e.t_s}, {"kind", e.kind}, {"text", e.text}};
  if (e.wall_s >= 0) j["wall_s"] = std::round(e.wall_s * 10.0) / 10.0;
  return j;
}

}  // namespace

json game_record_json(const GameRecord& r) {
  json fixes = json::array();
  for (const auto& f : r.fixes) {
    json j = {{"bottleneck", f.bottleneck}, {"id", f.id}, {"title", f.title}, {"at_s", f.at_s}, {"right", f.right}};
    if (f.wall_s >= 0) j["wall_s"] = std::round(f.wall_s * 10.0) / 10.0;
    fixes.push_back(std::move(j));
  }
  json timeline = json::array();
  for (const auto& e : r.timeline) timeline.push_back(event_json(e));
  json values = json::array();
  for (double v : r.headline.values) values.push_back(std::isnan(v) ? json(nullptr) : json(std::round(v * 10.0) / 10.0));
  return {{"mode", "gameday"},
          {"team", r.team},
          {"signals", signal_names(r.signals)},
          {"page_s", optional_number(r.page_s)},
          {"page_text", r.page_text},
          {"ack_s", optional_number(r.ack_s)},
          {"fix_s", optional_number(r.fix_s())},
          {"recovered_s", optional_number(r.recovered_s)},
          {"detect_s", optional_number(r.detect_s())},
          {"mttr_s", optional_number(r.mttr_s())},
          {"end_s", r.end_s},
          {"fixes", std::move(fixes)},
          {"wrong_fixes", r.wrong_fixes()},
          {"hints_used", r.hints_used},
          {"timeline", std::move(timeline)},
          {"headline",
           {{"endpoint", r.headline.endpoint},
            {"metric", r.headline.metric},
            {"unit", r.headline.unit},
            {"target", r.headline.target},
            {"step_s", r.headline.step_s},
            {"values", std::move(values)}}}};
}

bool is_gameday_result(const json& result) {
  return result.is_object() && result.contains("mode") && result["mode"] == "gameday";
}

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& what) {
  throw std::runtime_error(field + ": " + what);
}

const json& member(const json& j, const std::string& key, const std::string& path) {
  if (!j.is_object() || !j.contains(key)) bad(path + key, "missing");
  return j.at(key);
}

double number_at(const json& j, const std::string& key, const std::string& path = "") {
  const json& v = member(j, key, path);
  if (!v.is_number() || !std::isfinite(v.get<double>())) bad(path + key, "must be a number");
  return v.get<double>();
}

std::optional<double> optional_at(const json& j, const std::string& key) {
  const json& v = member(j, key, "");
  if (v.is_null()) return std::nullopt;
  if (!v.is_number() || !std::isfinite(v.get<double>())) bad(key, "must be a number or null");
  return v.get<double>();
}

std::string text_at(const json& j, const std::string& key, const std::string& path = "", std::size_t max = 4096) {
  const json& v = member(j, key, path);
  if (!v.is_string()) bad(path + key, "must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > max) bad(path + key, "is longer than " + std::to_string(max) + " bytes");
  return s;
}

}  // namespace

GameRecord read_game_record(const json& result) {
  if (!is_gameday_result(result)) bad("mode", "not a game day's attempt");
  GameRecord r;
  try {
    r.team = checked_team_name(text_at(result, "team"));
  } catch (const std::invalid_argument& e) {
    bad("team", e.what());
  }
  const json& signals = member(result, "signals", "");
  if (!signals.is_array()) bad("signals", "must be an array of signal names");
  std::string list;
  for (const auto& s : signals) {
    if (!s.is_string()) bad("signals", "must be an array of signal names");
    list += (list.empty() ? "" : ",") + s.get<std::string>();
  }
  try {
    r.signals = parse_signal_set(list);
  } catch (const std::invalid_argument& e) {
    bad("signals", e.what());
  }
  r.page_s = optional_at(result, "page_s");
  r.ack_s = optional_at(result, "ack_s");
  r.recovered_s = optional_at(result, "recovered_s");
  r.page_text = text_at(result, "page_text");
  r.end_s = number_at(result, "end_s");
  const json& fixes = member(result, "fixes", "");
  if (!fixes.is_array() || fixes.size() > 256) bad("fixes", "must be an array of at most 256 fixes");
  for (std::size_t i = 0; i < fixes.size(); ++i) {
    const std::string path = "fixes[" + std::to_string(i) + "].";
    GameFix f;
    f.bottleneck = static_cast<std::size_t>(std::clamp(number_at(fixes[i], "bottleneck", path), 0.0, 64.0));
    f.id = text_at(fixes[i], "id", path, 200);
    f.title = text_at(fixes[i], "title", path, 400);
    f.at_s = number_at(fixes[i], "at_s", path);
    const json& right = member(fixes[i], "right", path);
    if (!right.is_boolean()) bad(path + "right", "must be true or false");
    f.right = right.get<bool>();
    if (fixes[i].contains("wall_s")) f.wall_s = number_at(fixes[i], "wall_s", path);
    r.fixes.push_back(f);
  }
  const double hints = number_at(result, "hints_used");
  if (hints < 0 || hints > 1000) bad("hints_used", "must be from 0 to 1000");
  r.hints_used = static_cast<int>(hints);
  const json& timeline = member(result, "timeline", "");
  if (!timeline.is_array() || timeline.size() > 20000) bad("timeline", "must be an array of at most 20000 entries");
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    const std::string path = "timeline[" + std::to_string(i) + "].";
    GameEvent e{number_at(timeline[i], "t_s", path), text_at(timeline[i], "kind", path, 40),
                text_at(timeline[i], "text", path, 2000)};
    if (timeline[i].contains("wall_s")) e.wall_s = number_at(timeline[i], "wall_s", path);
    r.timeline.push_back(std::move(e));
  }
  const json& h = member(result, "headline", "");
  r.headline.endpoint = text_at(h, "endpoint", "headline.", 200);
  r.headline.metric = text_at(h, "metric", "headline.", 40);
  r.headline.unit = text_at(h, "unit", "headline.", 40);
  r.headline.target = number_at(h, "target", "headline.");
  r.headline.step_s = number_at(h, "step_s", "headline.");
  if (!(r.headline.step_s > 0)) bad("headline.step_s", "must be above 0");
  const json& values = member(h, "values", "headline.");
  if (!values.is_array() || values.size() > 100000) bad("headline.values", "must be an array of at most 100000 values");
  for (const auto& v : values) {
    if (v.is_null()) r.headline.values.push_back(std::numeric_limits<double>::quiet_NaN());
    else if (v.is_number()) r.headline.values.push_back(v.get<double>());
    else bad("headline.values", "must hold numbers or nulls");
  }
  return r;
}

}  // namespace perfloop
