#include "sim/loop/answers.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

#include "sim/io/bounded_file.h"
#include "sim/io/safe_text.h"

namespace perfloop {

// Everything here may come from the file (a key, a value, nlohmann's excerpt
// of a broken token): each part is made printable and capped, so the error
// stays one line a terminal shows as it is.
AnswersError::AnswersError(const std::string& file, const std::string& field, const std::string& message)
    : std::runtime_error(terminal_line(file, 300) + ": " + (field.empty() ? "" : terminal_line(field, 300) + ": ") +
                         terminal_line(message, 600)),
      field_(field) {}

namespace {

using nlohmann::json;

std::string in_quotes(const std::string& s) { return quote(s, 80); }

// A frame or an id is a line, not a document; this keeps a saved attempt small.
constexpr std::size_t kMaxAnswerText = 4096;
// A game day's clock never runs past a simulated day (the scenarios' longest run).
constexpr double kMaxAtSeconds = 86400.0;

bool is_identifier(const std::string& key) {
  if (key.empty() || key.size() > 64 || std::isdigit(static_cast<unsigned char>(key[0]))) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

template <typename List>
std::string joined(const List& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out.empty() ? "none" : out;
}

const char* type_name(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

// One JSON object at a known path: typed reads that name the path on error,
// and a check that no key is left unread (a misspelt key is an error, not
// a silently missing answer).
class Object {
 public:
  Object(const std::string& file, std::string path, const json& value, std::vector<std::string> keys)
      : file_(file), path_(std::move(path)), value_(value), keys_(std::move(keys)) {
    if (!value_.is_object()) fail("", std::string("must be an object, got ") + type_name(value_));
    for (const auto& [key, _] : value_.items())
      if (std::find(keys_.begin(), keys_.end(), key) == keys_.end())
        fail(key, "unknown field (fields here: " + joined(keys_) + ")");
  }

  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    throw AnswersError(file_, at(key), message);
  }
  // The path of `key` under this object; a key that is not a plain name
  // (it came from the file) is shown quoted: ["..."].
  std::string at(const std::string& key) const {
    if (key.empty()) return path_;
    if (!is_identifier(key)) return path_ + "[" + quote(key, 60) + "]";
    return path_.empty() ? key : path_ + "." + key;
  }
  bool has(const std::string& key) const { return value_.contains(key); }
  const json& require(const std::string& key) const {
    if (!has(key)) fail(key, "missing");
    return value_.at(key);
  }
  std::string text(const std::string& key) const {
    const json& v = require(key);
    if (!v.is_string()) fail(key, std::string("must be a string, got ") + type_name(v));
    const auto& text = v.get_ref<const std::string&>();
    if (text.size() > kMaxAnswerText)
      fail(key, "is " + std::to_string(text.size()) + " bytes, more than the " + std::to_string(kMaxAnswerText) +
                    " an answer may be");
    return text;
  }
  std::string text_or(const std::string& key, std::string fallback) const { return has(key) ? text(key) : fallback; }
  double number(const std::string& key, double low, double high) const {
    const json& v = require(key);
    if (!v.is_number()) fail(key, std::string("must be a number, got ") + type_name(v));
    const double x = v.get<double>();
    if (!std::isfinite(x) || x < low || x > high) {
      std::ostringstream msg;
      msg << "must be from " << low << " to " << high << ", got " << x;
      fail(key, msg.str());
    }
    return x;
  }
  bool flag(const std::string& key) const {
    const json& v = require(key);
    if (!v.is_boolean()) fail(key, std::string("must be true or false, got ") + type_name(v));
    return v.get<bool>();
  }
  double seconds() const { return has("seconds") ? number("seconds", 0.0, 1e7) : -1.0; }
  int hints_used() const {
    if (!has("hints_used")) return 0;
    const double n = number("hints_used", 0.0, kMaxHintsUsed);
    if (n != std::floor(n)) fail("hints_used", "must be a whole number of hints, 0 to " + std::to_string(kMaxHintsUsed));
    return static_cast<int>(n);
  }
  const std::string& file() const { return file_; }

 private:
  const std::string& file_;
  std::string path_;
  const json& value_;
  std::vector<std::string> keys_;
};

std::string one_of(const Object& o, const std::string& key, const std::vector<std::string>& choices) {
  const std::string value = o.text(key);
  if (std::find(choices.begin(), choices.end(), value) == choices.end())
    o.fail(key, "must be one of " + joined(choices) + ", got " + in_quotes(value));
  return value;
}

std::vector<std::string> endpoint_names(const ScenarioBuild& build) {
  std::vector<std::string> names;
  for (const auto& e : build.model.endpoints) names.push_back(e.name);
  return names;
}

std::vector<std::string> fix_ids(const ScenarioBuild& build) {
  std::vector<std::string> ids;
  for (const auto& f : build.fixes) ids.push_back(f.id);
  return ids;
}

ObserveAnswer read_observe(const Object& o, const ScenarioBuild& build) {
  ObserveAnswer a;
  a.seconds = o.seconds();
  a.endpoint = one_of(o, "endpoint", endpoint_names(build));
  a.metric = one_of(o, "metric", {"p50", "p99", "error_rate", "rps", "lcp", "inp"});
  a.onset_s = o.number("onset_s", 0.0, 1e9);
  a.side = one_of(o, "side", {"server", "client"});
  return a;
}

ProfileAnswer read_profile(const Object& o) {
  ProfileAnswer a;
  a.seconds = o.seconds();
  a.stream = one_of(o, "stream", {"cpu", "alloc", "offcpu", "trace", "bundle"});
  a.from_s = o.number("from_s", 0.0, 1e9);
  a.to_s = o.number("to_s", 0.0, 1e9);
  if (a.to_s <= a.from_s) o.fail("to_s", "must be after from_s");
  a.hot_frame = o.text("hot_frame");
  return a;
}

ClassifyAnswer read_classify(const Object& o) {
  ClassifyAnswer a;
  a.seconds = o.seconds();
  const json& list = o.require("families");
  if (!list.is_array() || list.empty() || list.size() > 2)
    o.fail("families", "must be an array of one or two family ids");
  const std::vector<std::string> known(std::begin(kFamilies), std::end(kFamilies));
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = o.at("families") + "[" + std::to_string(i + 1) + "]";
    if (!list[i].is_string()) throw AnswersError(o.file(), path, "must be a string");
    const std::string family = list[i].get<std::string>();
    if (std::find(known.begin(), known.end(), family) == known.end())
      throw AnswersError(o.file(), path, "must be one of " + joined(known) + ", got " + in_quotes(family));
    if (std::find(a.families.begin(), a.families.end(), family) != a.families.end())
      throw AnswersError(o.file(), path, "family " + in_quotes(family) + " is listed twice");
    a.families.push_back(family);
  }
  return a;
}

PredictAnswer read_predict(const Object& o, const ScenarioBuild& build) {
  PredictAnswer a;
  a.seconds = o.seconds();
  if (o.has("fix")) a.fix = one_of(o, "fix", fix_ids(build));
  a.share_pct = o.number("share_pct", 0.0, 100.0);
  a.speedup = o.number("speedup", 1.0, 1e6);
  a.headline = o.number("headline", 0.0, 1e9);
  a.go = o.flag("go");
  return a;
}

FixAnswer read_fix(const Object& o, const ScenarioBuild& build) {
  FixAnswer a;
  a.seconds = o.seconds();
  a.id = one_of(o, "id", fix_ids(build));
  if (o.has("tried")) {
    const json& list = o.require("tried");
    if (!list.is_array() || list.size() > 64) o.fail("tried", "must be an array of at most 64 {id, at_s} objects");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Object t(o.file(), o.at("tried") + "[" + std::to_string(i + 1) + "]", list[i], {"id", "at_s"});
      FixTry attempt{one_of(t, "id", fix_ids(build)), t.number("at_s", 0.0, kMaxAtSeconds)};
      if (!a.tried.empty() && attempt.at_s < a.tried.back().at_s)
        t.fail("at_s", "must not be before the fix tried before it");
      a.tried.push_back(attempt);
    }
  }
  return a;
}

VerifyAnswer read_verify(const Object& o) {
  VerifyAnswer a;
  a.seconds = o.seconds();
  a.hotspot_shrank = o.flag("hotspot_shrank");
  a.headline_improved = o.flag("headline_improved");
  a.target_met = o.flag("target_met");
  return a;
}

MoveOnAnswer read_move_on(const Object& o) {
  MoveOnAnswer a;
  a.seconds = o.seconds();
  a.resolved = o.flag("resolved");
  a.next_frame = o.text_or("next_frame", "");
  return a;
}

EnforceAnswer read_enforce(const Object& o, const ScenarioBuild& build) {
  EnforceAnswer a;
  a.seconds = o.seconds();
  const json& list = o.require("gates");
  if (!list.is_array()) o.fail("gates", std::string("must be an array, got ") + type_name(list));
  std::vector<std::string> ids;
  for (const auto& g : build.enforce.gates) ids.push_back(g.id);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Object g(o.file(), o.at("gates") + "[" + std::to_string(i + 1) + "]", list[i], {"id", "threshold"});
    GateChoice choice;
    choice.id = one_of(g, "id", ids);
    for (const auto& earlier : a.gates)
      if (earlier.id == choice.id) g.fail("id", "gate " + in_quotes(choice.id) + " is chosen twice");
    if (g.has("threshold")) choice.threshold = g.number("threshold", 0.0, 1e12);
    a.gates.push_back(choice);
  }
  return a;
}

template <typename T, typename Read>
std::optional<T> optional_step(const Object& parent, const json& value, const std::string& key,
                               std::vector<std::string> keys, Read read) {
  if (!value.contains(key)) return std::nullopt;
  keys.push_back("seconds");
  keys.push_back("hints_used");
  keys.push_back("at_s");
  const Object o(parent.file(), parent.at(key), value.at(key), std::move(keys));
  T answer = read(o);
  answer.hints_used = o.hints_used();
  if (o.has("at_s")) answer.at_s = o.number("at_s", 0.0, kMaxAtSeconds);
  return answer;
}

int line_of(const std::string& text, std::size_t byte) {
  byte = std::min(byte, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
}

}  // namespace

Answers parse_answers(const std::string& text, const std::string& file, const std::string& scenario_id,
                      const ScenarioBuild& build) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::out_of_range& e) {
    throw AnswersError(file, "", std::string("a number out of range (") + e.what() + ")");
  } catch (const json::parse_error& e) {
    // nlohmann's message carries the byte offset; a line number is what an editor needs.
    const std::string what = e.what();
    const auto colon = what.find("syntax error");
    throw AnswersError(file + ":" + std::to_string(line_of(text, e.byte)), "",
                       "not valid JSON (" + (colon == std::string::npos ? what : what.substr(colon)) + ")");
  }
  const Object top(file, "", doc, {"format", "version", "scenario", "bottlenecks", "enforce", "ack_s"});
  Answers answers;
  if (top.has("format") && top.text("format") != "perfloop-answers")
    top.fail("format", "must be \"perfloop-answers\", got " + in_quotes(top.text("format")));
  const double version = top.number("version", 0, 1e6);
  if (version != kAnswersVersion)
    top.fail("version", "this perfloop reads version " + std::to_string(kAnswersVersion) + ", got " +
                            printable(top.require("version").dump(-1, ' ', false, json::error_handler_t::replace), 40));
  answers.scenario = top.text("scenario");
  if (answers.scenario != scenario_id)
    top.fail("scenario", "the answers are for " + in_quotes(answers.scenario) + ", not " + in_quotes(scenario_id));

  if (top.has("bottlenecks")) {
    const json& list = doc.at("bottlenecks");
    if (!list.is_array()) top.fail("bottlenecks", std::string("must be an array, got ") + type_name(list));
    if (list.size() > build.bottlenecks.size())
      top.fail("bottlenecks", "has " + std::to_string(list.size()) + " entries but the scenario has " +
                                  std::to_string(build.bottlenecks.size()) + " bottleneck" +
                                  (build.bottlenecks.size() == 1 ? "" : "s"));
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Object b(file, "bottlenecks[" + std::to_string(i + 1) + "]", list[i],
                     {"observe", "profile", "classify", "predict", "fix", "verify", "move_on"});
      const json& v = list[i];
      BottleneckAnswers entry;
      entry.observe = optional_step<ObserveAnswer>(b, v, "observe", {"endpoint", "metric", "onset_s", "side"},
                                                   [&](const Object& o) { return read_observe(o, build); });
      entry.profile = optional_step<ProfileAnswer>(b, v, "profile", {"stream", "from_s", "to_s", "hot_frame"},
                                                   [](const Object& o) { return read_profile(o); });
      entry.classify = optional_step<ClassifyAnswer>(b, v, "classify", {"families"},
                                                     [](const Object& o) { return read_classify(o); });
      entry.predict = optional_step<PredictAnswer>(b, v, "predict", {"fix", "share_pct", "speedup", "headline", "go"},
                                                   [&](const Object& o) { return read_predict(o, build); });
      entry.fix = optional_step<FixAnswer>(b, v, "fix", {"id", "tried"}, [&](const Object& o) { return read_fix(o, build); });
      entry.verify = optional_step<VerifyAnswer>(b, v, "verify", {"hotspot_shrank", "headline_improved", "target_met"},
                                                 [](const Object& o) { return read_verify(o); });
      entry.move_on = optional_step<MoveOnAnswer>(b, v, "move_on", {"resolved", "next_frame"},
                                                  [](const Object& o) { return read_move_on(o); });
      answers.bottlenecks.push_back(std::move(entry));
    }
  }
  answers.enforce = optional_step<EnforceAnswer>(top, doc, "enforce", {"gates"},
                                                 [&](const Object& o) { return read_enforce(o, build); });
  if (top.has("ack_s")) answers.ack_s = top.number("ack_s", 0.0, kMaxAtSeconds);
  for (std::size_t i = 0; i < answers.bottlenecks.size(); ++i) {
    const auto& fix = answers.bottlenecks[i].fix;
    if (fix && !fix->tried.empty() && fix->at_s >= 0 && fix->tried.back().at_s > fix->at_s)
      throw AnswersError(file, "bottlenecks[" + std::to_string(i + 1) + "].fix.at_s",
                         "must not be before the fixes listed in tried");
  }
  return answers;
}

Answers read_answers_file(const std::string& path, const std::string& scenario_id, const ScenarioBuild& build) {
  const FileRead file = read_bounded_file(path, kMaxAnswersBytes, "an answers file");
  if (!file.ok()) throw AnswersError(path, "", "cannot read the answers file: " + file.problem);
  return parse_answers(file.text, path, scenario_id, build);
}

std::vector<std::string> fixes_in_place(const Answers& answers, const ScenarioBuild& build, std::size_t bottleneck) {
  std::vector<std::string> fixes;
  for (std::size_t k = 0; k < bottleneck && k < build.bottlenecks.size(); ++k) {
    if (k < answers.bottlenecks.size() && answers.bottlenecks[k].fix) fixes.push_back(answers.bottlenecks[k].fix->id);
    else if (!build.bottlenecks[k].right_fixes.empty()) fixes.push_back(build.bottlenecks[k].right_fixes.front());
  }
  return fixes;
}

namespace {

void put_seconds(json& j, const StepAnswer& a) {
  if (a.seconds >= 0.0) j["seconds"] = a.seconds;
  if (a.hints_used > 0) j["hints_used"] = a.hints_used;
  if (a.at_s >= 0.0) j["at_s"] = a.at_s;
}

}  // namespace

nlohmann::json answers_to_json(const Answers& answers) {
  json doc = {{"format", "perfloop-answers"}, {"version", answers.version}, {"scenario", answers.scenario}};
  json list = json::array();
  for (const auto& b : answers.bottlenecks) {
    json entry = json::object();
    if (b.observe) {
      const auto& a = *b.observe;
      entry["observe"] = {{"endpoint", a.endpoint}, {"metric", a.metric}, {"onset_s", a.onset_s}, {"side", a.side}};
      put_seconds(entry["observe"], a);
    }
    if (b.profile) {
      const auto& a = *b.profile;
      entry["profile"] = {{"stream", a.stream}, {"from_s", a.from_s}, {"to_s", a.to_s}, {"hot_frame", a.hot_frame}};
      put_seconds(entry["profile"], a);
    }
    if (b.classify) {
      entry["classify"] = {{"families", b.classify->families}};
      put_seconds(entry["classify"], *b.classify);
    }
    if (b.predict) {
      const auto& a = *b.predict;
      entry["predict"] = {{"share_pct", a.share_pct}, {"speedup", a.speedup}, {"headline", a.headline}, {"go", a.go}};
      if (!a.fix.empty()) entry["predict"]["fix"] = a.fix;
      put_seconds(entry["predict"], a);
    }
    if (b.fix) {
      entry["fix"] = {{"id", b.fix->id}};
      if (!b.fix->tried.empty()) {
        json tried = json::array();
        for (const auto& t : b.fix->tried) tried.push_back({{"id", t.id}, {"at_s", t.at_s}});
        entry["fix"]["tried"] = std::move(tried);
      }
      put_seconds(entry["fix"], *b.fix);
    }
    if (b.verify) {
      const auto& a = *b.verify;
      entry["verify"] = {{"hotspot_shrank", a.hotspot_shrank},
                         {"headline_improved", a.headline_improved},
                         {"target_met", a.target_met}};
      put_seconds(entry["verify"], a);
    }
    if (b.move_on) {
      entry["move_on"] = {{"resolved", b.move_on->resolved}};
      if (!b.move_on->next_frame.empty()) entry["move_on"]["next_frame"] = b.move_on->next_frame;
      put_seconds(entry["move_on"], *b.move_on);
    }
    list.push_back(std::move(entry));
  }
  doc["bottlenecks"] = std::move(list);
  if (answers.enforce) {
    json gates = json::array();
    for (const auto& g : answers.enforce->gates) {
      json choice = {{"id", g.id}};
      if (g.threshold) choice["threshold"] = *g.threshold;
      gates.push_back(std::move(choice));
    }
    doc["enforce"] = {{"gates", std::move(gates)}};
    put_seconds(doc["enforce"], *answers.enforce);
  }
  if (answers.ack_s >= 0.0) doc["ack_s"] = answers.ack_s;
  return doc;
}

}  // namespace perfloop
