#include "sim/gameday/debrief.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "sim/gameday/game_record.h"

namespace perfloop {

using nlohmann::json;

namespace {

// A table cell: one line, no pipe that would split it.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string number(double v, int digits = 0) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", digits, v);
  return text;
}

std::string text_or(const json& j, const char* key, const std::string& fallback = "") {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}

double number_or(const json& j, const char* key, double fallback = 0.0) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

const char* kind_label(const std::string& kind) {
  if (kind == "page") return "Page";
  if (kind == "ack") return "Acknowledged";
  if (kind == "answer") return "Answer";
  if (kind == "hint") return "Hint";
  if (kind == "fix") return "Fix";
  if (kind == "recovered") return "Recovered";
  if (kind == "inject") return "Inject";
  if (kind == "alert") return "Alert";
  if (kind == "resolved") return "Alert resolved";
  if (kind == "deploy") return "Deploy";
  if (kind == "config") return "Config change";
  if (kind == "load") return "Load change";
  if (kind == "end") return "End";
  return "Event";
}

void summary(std::string& out, const GameRecord& r, const json& result) {
  out += "## Summary\n\n| | |\n|---|---|\n";
  out += "| Page | " + (r.page_s ? hms(*r.page_s) + " — " + cell(r.page_text) : std::string("no page fired")) + " |\n";
  out += "| Acknowledged | " + (r.ack_s ? hms(*r.ack_s) : std::string("never")) + " |\n";
  out += "| Time to detect (page to acknowledgement) | " +
         (r.detect_s() ? hms(*r.detect_s()) + " (" + duration_words(*r.detect_s()) + ")" : std::string("—")) + " |\n";
  for (const auto& f : r.fixes)
    out += "| Fix applied | " + hms(f.at_s) + " — " + cell(f.title) + (f.right ? "" : " (did not end the incident)") + " |\n";
  if (r.fixes.empty()) out += "| Fix applied | none |\n";
  out += "| Recovered (back within target for 5 min) | " + (r.recovered_s ? hms(*r.recovered_s) : std::string("never")) + " |\n";
  out += "| MTTR (page to recovery) | " +
         (r.mttr_s() ? hms(*r.mttr_s()) + " (" + duration_words(*r.mttr_s()) + ")" : std::string("not recovered")) + " |\n";
  out += "| Score | " + number(number_or(result, "total"), 1) + " / 100 (" + cell(text_or(result, "grade", "?")) + ") |\n";
  out += "| Hints used | " + std::to_string(r.hints_used) + " |\n";
  const std::string hidden = hidden_signals(r.signals);
  out += "| Signals | " + signal_list(r.signals) + (hidden.empty() ? "" : " (hidden: " + hidden + ")") + " |\n\n";
}

void headline_note(std::string& out, const GameRecord& r, const std::string& chart) {
  const auto& h = r.headline;
  if (!chart.empty())
    out += "![" + h.endpoint + " " + h.metric + " over the game](" + chart + ")\n\n";
  if (h.values.empty()) return;
  // What the data showed at the moments that matter, read from the series.
  auto at = [&](double t) {
    const auto i = static_cast<long long>(std::floor(t / h.step_s)) - 1;
    if (i < 0 || i >= static_cast<long long>(h.values.size())) return std::string("—");
    const double v = h.values[static_cast<std::size_t>(i)];
    return std::isnan(v) ? std::string("no requests") : number(v) + " " + h.unit;
  };
  out += "The headline is " + h.endpoint + " " + h.metric + " over a rolling minute; the target is " +
         number(h.target) + " " + h.unit + ".";
  if (r.page_s) out += " At the page it read " + at(*r.page_s) + ".";
  if (r.fix_s()) out += " When the last fix landed: " + at(*r.fix_s()) + ".";
  if (r.recovered_s) out += " Five minutes after recovery: " + at(*r.recovered_s + 300.0) + ".";
  out += "\n\n";
}

void timeline(std::string& out, const GameRecord& r) {
  out += "## Timeline\n\nSimulated time since the start of the run (h:mm:ss).\n\n| Time | What | Detail |\n|---|---|---|\n";
  for (const auto& e : r.timeline) out += "| " + hms(e.t_s) + " | " + kind_label(e.kind) + " | " + cell(e.text) + " |\n";
  out += "\n";
}

void predictions(std::string& out, const json& result) {
  out += "## Predictions against outcomes\n\n";
  const json list = result.contains("predictions") && result["predictions"].is_array() ? result["predictions"] : json::array();
  if (list.empty()) {
    out += "No prediction was made before the fix.\n\n";
    return;
  }
  out += "| Fix | Predicted | Actual | Target | Go/no-go | Error |\n|---|---|---|---|---|---|\n";
  for (const auto& p : list) {
    const std::string unit = text_or(p, "unit", "ms");
    out += "| " + cell(text_or(p, "fix", "?")) + " | " + number(number_or(p, "predicted_ms")) + " " + unit + " | " +
           number(number_or(p, "actual_ms")) + " " + unit + " | " + number(number_or(p, "target_ms")) + " " + unit + " | " +
           (p.value("go", false) ? "go" : "no-go") + (p.value("go_right", false) ? " (right)" : " (wrong)") + " | " +
           number(number_or(p, "error_pct"), 1) + "% |\n";
  }
  out += "\n";
}

std::string gate_line(const json& gate) {
  std::string line = text_or(gate, "id", "?");
  if (gate.contains("threshold") && gate["threshold"].is_number()) line += " at " + number(gate["threshold"].get<double>(), 2);
  return line;
}

void enforcement(std::string& out, const json& result, std::vector<std::string>& actions) {
  out += "## Enforcement chosen\n\n";
  const json* answer = nullptr;
  if (result.contains("steps") && result["steps"].is_array())
    for (const auto& s : result["steps"])
      if (text_or(s, "step") == "enforce" && s.contains("answer")) answer = &s["answer"];
  if (!answer || !answer->contains("gates") || !(*answer)["gates"].is_array() || (*answer)["gates"].empty()) {
    out += "No gates, alerts or runbooks were chosen.\n\n";
    actions.push_back("Choose the checks that would have caught this regression before it shipped, and the alert that pages on it.");
    return;
  }
  for (const auto& g : (*answer)["gates"]) {
    out += "- " + gate_line(g) + "\n";
    actions.push_back("Put `" + gate_line(g) + "` in place and name its owner.");
  }
  if (result.contains("enforce") && result["enforce"].is_object()) {
    const json& e = result["enforce"];
    out += "\nReplayed against the changes of the months after the incident: " +
           number(number_or(e, "caught")) + " of " + number(number_or(e, "harmful")) + " harmful changes caught, " +
           number(number_or(e, "false_alarms")) + " of " + number(number_or(e, "harmless")) + " harmless ones blocked.\n";
    if (e.contains("changes") && e["changes"].is_array())
      for (const auto& c : e["changes"])
        if (c.value("harmful", false) && text_or(c, "verdict") == "missed")
          actions.push_back("Nothing chosen would stop \"" + text_or(c, "title") + "\" (day " + number(number_or(c, "day")) +
                            "): add a check for it.");
  }
  out += "\n";
}

void what_happened(std::string& out, const json& result) {
  if (!result.contains("scorecard") || !result["scorecard"].is_array()) return;
  out += "## What the incident was\n\n";
  for (const auto& c : result["scorecard"]) {
    out += "**" + text_or(c, "title") + "**: " + text_or(c, "root_cause") + "\n\n";
    const std::string debrief = text_or(c, "debrief");
    if (!debrief.empty()) out += debrief + "\n\n";
  }
}

void action_items(std::string& out, const GameRecord& r, std::vector<std::string> actions) {
  if (!r.recovered_s)
    actions.insert(actions.begin(), "The service did not recover during the game: play it again, and compare the fixes tried with the root cause above.");
  if (r.detect_s() && *r.detect_s() > 300)
    actions.push_back("Acknowledging the page took " + duration_words(*r.detect_s()) +
                      ": check who is paged, and that the page links to the dashboard it is about.");
  for (const auto& f : r.fixes)
    if (!f.right)
      actions.push_back("Write down why \"" + f.title + "\" looked right at " + hms(f.at_s) +
                        " and what showed it did not help, so the next on-call skips it sooner.");
  if (r.hints_used > 0)
    actions.push_back("The team needed " + std::to_string(r.hints_used) + (r.hints_used == 1 ? " hint" : " hints") +
                      ": add what they pointed to to the service's runbook.");
  const std::string hidden = hidden_signals(r.signals);
  if (!hidden.empty())
    actions.push_back("This game ran without " + hidden + ": compare its detect time and MTTR with a game that had them.");
  out += "## Action items\n\n";
  for (const auto& a : actions) out += "- [ ] " + a + "\n";
  out += "\n";
}

}  // namespace

std::string debrief_markdown(const json& result, const DebriefOptions& options) {
  const GameRecord r = read_game_record(result);
  const std::string scenario = text_or(result, "scenario", "?");
  std::string out = "# Post-incident report: " + (options.scenario_title.empty() ? scenario : options.scenario_title) + "\n\n";
  out += "Game day, team **" + cell(r.team) + "**; scenario `" + scenario + "`, seed " +
         number(number_or(result, "seed")) + ".\n\n";
  summary(out, r, result);
  headline_note(out, r, options.chart_file);
  timeline(out, r);
  predictions(out, result);
  std::vector<std::string> actions;
  enforcement(out, result, actions);
  what_happened(out, result);
  action_items(out, r, std::move(actions));
  return out;
}

}  // namespace perfloop
