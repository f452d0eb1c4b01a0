// Learning records as xAPI 2.0 statements (IEEE 9274.1.1). The vocabulary:
//
// record    actor           verb                     object (type)
// attempt   learner | team  completed, or attempted  scenario/<id> (simulation)
//                           when steps were left out
// step      learner | team  answered                 scenario/<id>/bottleneck/<b>/step/<s>, Enforce
//                                                    scenario/<id>/step/enforce (interaction)
// review    learner         answered                 quiz/<kind>/<family> (question)
// gameday   team            completed                gameday/<scenario> (performance)
//
// Verbs and activity types are ADL's; activity ids and extensions sit under
// kRecordsIriBase. An attempt's statements share one context.registration;
// its steps and game day name the scenario as their parent.
#include <cmath>
#include <cstdio>

#include "sim/interop/learning_records.h"
#include "sim/io/json_text.h"

namespace perfloop {

namespace {

using Json = nlohmann::ordered_json;

const std::string kBase = kRecordsIriBase;

// Anything but RFC 3986's unreserved characters is percent-encoded, so a
// scenario id from a user's own file still makes a valid IRI path segment.
std::string iri_segment(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

std::string extension(const char* name) { return kBase + "extension/" + name; }

// "PT754S", "PT12.5S": whole seconds of any size, to the hundredth, which
// xAPI 2.0 stores.
std::string iso_duration(double seconds) {
  const long long hundredths = std::llround(seconds * 100.0);
  std::string text = "PT" + std::to_string(hundredths / 100);
  if (const long long rest = hundredths % 100; rest != 0) {
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%02lld", rest);
    text += fraction;
    if (text.back() == '0') text.pop_back();
  }
  return text + "S";
}

Json language_map(const std::string& text) { return Json{{"en-US", text}}; }

Json actor_json(const LearningRecord& r) {
  return Json{{"objectType", r.actor_is_team ? "Group" : "Agent"},
              {"name", r.actor},
              {"account", {{"homePage", r.actor_is_team ? kTeamHomePage : kLearnerHomePage}, {"name", r.actor}}}};
}

Json verb_json(const LearningRecord& r) {
  std::string verb = "completed";
  if (r.kind == RecordKind::Step || r.kind == RecordKind::Review) verb = "answered";
  else if (r.kind == RecordKind::Attempt && r.completion == false) verb = "attempted";
  return Json{{"id", "http://adlnet.gov/expapi/verbs/" + verb}, {"display", language_map(verb)}};
}

std::string scenario_iri(const LearningRecord& r) { return kBase + "scenario/" + iri_segment(r.scenario); }

Json activity(const std::string& id, const std::string& name, const char* type) {
  return Json{{"objectType", "Activity"},
              {"id", id},
              {"definition", {{"name", language_map(name)}, {"type", std::string("http://adlnet.gov/expapi/activities/") + type}}}};
}

Json object_json(const LearningRecord& r) {
  switch (r.kind) {
    case RecordKind::Attempt: return activity(scenario_iri(r), r.scenario, "simulation");
    case RecordKind::Step:
      if (r.step == "enforce" || r.bottleneck.empty())
        return activity(scenario_iri(r) + "/step/" + iri_segment(r.step), r.scenario + ": " + r.step, "interaction");
      return activity(scenario_iri(r) + "/bottleneck/" + iri_segment(r.bottleneck) + "/step/" + iri_segment(r.step),
                      r.scenario + ": " + r.bottleneck + ", " + r.step, "interaction");
    case RecordKind::Review: {
      const std::size_t colon = r.item.find(':');
      return activity(kBase + "quiz/" + iri_segment(r.item.substr(0, colon)) + "/" + iri_segment(r.item.substr(colon + 1)),
                      r.item, "question");
    }
    case RecordKind::GameDay:
      return activity(kBase + "gameday/" + iri_segment(r.scenario), "Game day: " + r.scenario, "performance");
  }
  return {};
}

Json result_json(const LearningRecord& r) {
  Json result;
  result["score"] = {{"scaled", round_to(r.score / r.max, 4)}, {"raw", r.score}, {"min", 0}, {"max", r.max}};
  if (r.success) result["success"] = *r.success;
  if (r.completion) result["completion"] = *r.completion;
  if (r.duration_s) result["duration"] = iso_duration(*r.duration_s);
  Json ext = Json::object();
  if (!r.grade.empty()) ext[extension("grade")] = r.grade;
  if (r.kind != RecordKind::Review) ext[extension("hints-used")] = r.hints_used;
  if (r.kind == RecordKind::Review) ext[extension("rating")] = r.rating;
  if (r.kind == RecordKind::GameDay) {
    // Simulated seconds: the incident's clock, not the team's.
    ext[extension("detect-s")] = r.detect_s ? Json(*r.detect_s) : Json(nullptr);
    ext[extension("mttr-s")] = r.mttr_s ? Json(*r.mttr_s) : Json(nullptr);
    ext[extension("wrong-fixes")] = r.wrong_fixes;
  }
  if (!ext.empty()) result["extensions"] = std::move(ext);
  return result;
}

Json context_json(const LearningRecord& r) {
  Json context;
  if (!r.registration.empty()) context["registration"] = r.registration;
  context["platform"] = "perfloop";
  if (r.kind == RecordKind::Step || r.kind == RecordKind::GameDay)
    context["contextActivities"] = {{"parent", Json::array({activity(scenario_iri(r), r.scenario, "simulation")})}};
  Json ext;
  ext[extension("mode")] = r.mode;
  // As text: a 64-bit seed does not survive a JavaScript number.
  if (r.seed) ext[extension("seed")] = std::to_string(*r.seed);
  if (r.kind != RecordKind::Review) ext[extension("params")] = Json::parse(r.params.dump());
  if (r.kind == RecordKind::Review) ext[extension("card")] = r.card;
  if (r.kind == RecordKind::GameDay) ext[extension("signals")] = r.signals;
  ext[extension("source")] = r.source;
  context["extensions"] = std::move(ext);
  return context;
}

}  // namespace

std::string records_xapi_json(const std::vector<LearningRecord>& records) {
  // One statement per line: a year of practice stays a file that grep, diff
  // and a line count can work with, without the bulk of indentation.
  std::string text = "[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    const LearningRecord& r = records[i];
    const Json statement{{"id", r.id},
                         {"actor", actor_json(r)},
                         {"verb", verb_json(r)},
                         {"object", object_json(r)},
                         {"result", result_json(r)},
                         {"context", context_json(r)},
                         {"timestamp", format_iso8601(r.time)}};
    // Names and ids may carry bytes that are not UTF-8 (a user's scenario
    // file): they come out as U+FFFD rather than stopping the export.
    text += (i ? ",\n" : "\n") + statement.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return text + "\n]\n";
}

}  // namespace perfloop
