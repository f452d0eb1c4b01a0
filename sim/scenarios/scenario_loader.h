// Reads a scenario script in the Lua sandbox and turns what it returns into
// plain model data. Lua never runs during a simulation: every configuration
// the timeline and the fixes need is built up front by calling build(p).
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/engine/model.h"
#include "sim/scenarios/script_runner.h"

namespace perfloop {

// A broken scenario. what() is one line: "file:line: field.path: message"
// (line and field omitted where unknown), printable whatever the script put
// in it: control characters and bytes that are not UTF-8 come out escaped,
// and long parts are cut (safe_text.h).
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, int line, std::string field, const std::string& message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }
  // Lua's stack traceback for a script error, when there is one (the UI's
  // error panel shows it; the CLI keeps to the one-line what()).
  const std::string& traceback() const { return traceback_; }
  // Kept line by line, each line made printable.
  ScenarioError& with_traceback(const std::string& traceback);

 private:
  std::string file_;
  int line_;
  std::string field_;
  std::string message_;
  std::string traceback_;
};

// Something a game day's facilitator throws at the team (an "inject"): a
// second page, a deploy elsewhere that did not cause the incident, a message
// that adds pressure. Never part of the simulated service.
struct InjectSpec {
  std::string id;       // unique within the scenario: [a-z0-9-]+
  double at_s = 0.0;    // when it fires unless the facilitator sends it earlier or holds it, simulated seconds
  std::string kind;     // page, deploy, message
  std::string service;  // who pages, or what deploys (required for page and deploy); empty for a message
  std::string text;     // what the team sees, one line
};

// What build(p) returned for one set of parameter values.
struct ScenarioBuild {
  ModelSpec model;
  double duration_s = 600.0;
  double fix_at_s = -1.0;              // when a fix chosen with --fix lands; <0: at 2/3 of duration
  std::string first_phase = "baseline";
  std::vector<TimelineEvent> timeline; // sorted by at_s
  std::vector<FixSpec> fixes;          // sorted by id
  double fix_spacing_s = 0.0;          // several --fix ids land this far apart, in the order given
  std::vector<BottleneckSpec> bottlenecks;  // in the order the learner meets them
  EnforceSpec enforce;
  std::vector<InjectSpec> injects;  // sorted by at_s

  const FixSpec* find_fix(const std::string& id) const {
    for (const auto& f : fixes)
      if (f.id == id) return &f;
    return nullptr;
  }
};

// The scenario's catalogue card.
struct ScenarioMeta {
  std::string level;                 // junior, middle, senior
  std::vector<std::string> families; // the families its bottlenecks belong to
  double minutes = 0.0;              // expected play time
  std::vector<std::string> goals;    // learning goals, one sentence each
  // What a pager would say when the incident starts ("/checkout p99 over its
  // SLO since a deploy"): the only name a learner sees before playing it, so
  // it names the symptom, never the family or the cause.
  std::string pager;
  // A walkthrough of the app for a tutorial: step name -> what to do there.
  // Shown for free on that step, unlike the bottlenecks' hints, which cost points.
  std::map<std::string, std::string> guide;
};

class ScriptRunner;

class ScenarioScript {
 public:
  // Runs the file in a fresh sandbox, by default in a child process of its
  // own (script_runner.h); throws ScenarioError.
  static ScenarioScript load(const std::string& path, const ScriptOptions& options = {});
  // The same for a script already in memory; `path` names it in messages.
  static ScenarioScript from_text(const std::string& text, const std::string& path, const ScriptOptions& options = {});
  ~ScenarioScript();
  ScenarioScript(ScenarioScript&&) noexcept;
  ScenarioScript& operator=(ScenarioScript&&) noexcept;

  const std::string& id() const { return id_; }
  const std::string& title() const { return title_; }
  const std::string& file() const { return file_; }
  const std::vector<ParamSpec>& params() const { return params_; }
  const ScenarioMeta& meta() const { return meta_; }

  // Defaults with overrides applied; throws ScenarioError naming an unknown
  // parameter or a value outside its range.
  ParamValues resolve(const ParamValues& overrides) const;

  // Calls build(p) in the sandbox and validates the result; throws ScenarioError.
  ScenarioBuild build(const ParamValues& values);

 private:
  ScenarioScript() = default;
  std::unique_ptr<ScriptRunner> runner_;  // the script, its build function kept
  std::string id_;
  std::string title_;
  std::string file_;
  std::vector<ParamSpec> params_;
  ScenarioMeta meta_;
};

}  // namespace perfloop
