// The live game: the worker's run feeding the loop's panels, the team's bar
// (clock, page, acknowledgement), the live fix, Verify's wait for data, and
// the facilitator's panel.
#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "sim/scenarios/scenario_paths.h"
#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

ImVec4 rgba(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

double speed_of(const GameState& game) { return kGameSpeeds[std::clamp(game.speed_index, 0, 4)]; }

// The fixes that landed for bottleneck k, in order.
std::vector<const GameFix*> fixes_for(const GameView& view, std::size_t k) {
  std::vector<const GameFix*> out;
  for (const auto& f : view.fixes)
    if (f.bottleneck == k) out.push_back(&f);
  return out;
}

// What a game without some signals shows: no deploy log or injected
// deploys without logs (alerts and pages still come: they are metrics), no
// RUM figures without rum. Done once per new snapshot, not per frame.
void hide_signals(RunSnapshot& run, const SignalSet& signals) {
  if (!signals.logs)
    run.events.erase(std::remove_if(run.events.begin(), run.events.end(),
                                    [](const LogEvent& e) { return e.kind != "alert" && e.kind != "resolved" && e.kind != "page"; }),
                     run.events.end());
  if (!signals.rum)
    for (auto& series : run.series)
      for (auto& p : series) p.lcp_p75_ms = p.inp_p75_ms = 0.0;
}

}  // namespace

double game_wall_s(const AppState& state) { return std::max(0.0, state.now - state.game.wall_started); }

void start_game(AppState& state) {
  GameState& game = state.game;
  const std::string path = find_scenario(game.scenario);
  if (path.empty()) {
    report_error(state, "Scenario '" + game.scenario + "' not found");
    return;
  }
  try {
    game.team = checked_team_name(game.team);
  } catch (const std::exception& e) {
    report_error(state, std::string("Team name: ") + e.what());
    return;
  }
  state.params.clear();  // teams are compared at the scenario's own parameters
  open_scenario(state, game.scenario);
  state.worker.cancel();  // the game's worker feeds the dashboards instead
  state.screen = Screen::Play;
  state.picking = false;
  state.learn.from_track = false;
  game.active = true;
  game.ending = false;
  game.ack_s.reset();
  game.room.clear();
  game.session_fix_s = -1.0;
  game.view = GameView{};
  game.wall_started = state.now;
  game.worker.start(path, state.seed, {}, speed_of(game));
}

void update_game(AppState& state) {
  GameState& game = state.game;
  const std::uint64_t had = state.run.version;
  game.worker.refresh(state.run, game.view);
  if (state.run.version != had) hide_signals(state.run, game.signals);
  if (!game.view.error.empty()) report_error(state, "Game day: " + game.view.error);
  // The graded session lands the fix when the team's did: Verify and Move on
  // read the same run the team watched.
  if (!game.view.fixes.empty() && game.view.fixes.back().at_s != game.session_fix_s) {
    game.session_fix_s = game.view.fixes.back().at_s;
    ParamValues params = state.params;
    params["fix_at_s"] = game.session_fix_s;
    state.session.open(state.scenario_path, state.seed, params);
  }
  if (game.view.ended && game.view.result) {
    if (!game.view.save_error.empty()) report_error(state, "The game's attempt was not saved: " + game.view.save_error);
    game.active = false;
    game.ending = false;
    open_debrief(state, game.view.result);
  }
}

void end_game(AppState& state) {
  GameState& game = state.game;
  if (game.ending) return;
  game.ending = true;
  GameEnding ending;
  ending.answers = state.play.answers;
  ending.room.team = game.team;
  ending.room.signals = game.signals;
  ending.room.ack_s = game.ack_s;
  ending.room.timeline = game.room;
  ending.save_dir = state.saving ? state.save_dir : std::string();
  game.worker.end(std::move(ending));
}

void acknowledge_page(AppState& state) {
  GameState& game = state.game;
  if (game.ack_s || !game.view.page_s) return;
  game.ack_s = game.view.clock_s;
  game.room.push_back({game.view.clock_s, "ack", "Page acknowledged: the team opened Observe", game_wall_s(state)});
  // Observe, unless the team is already further (a game opened on a later
  // step from an answers file).
  if (state.play.reached == LoopStep::Observe) state.step = LoopStep::Observe;
  state.play.step_opened_at = state.now;
}

void release_hint(AppState& state) {
  GameState& game = state.game;
  if (state.play.finished) return;
  StepAnswer& draft = draft_of(state.play, state.step);
  if (draft.hints_used >= kMaxHintsUsed) return;
  ++draft.hints_used;
  if (draft.hints_used >= 2 && !state.view.expert) state.session.request_expert(state.scenario_id);
  game.room.push_back({game.view.clock_s, "hint",
                       std::string("Facilitator released hint ") + std::to_string(draft.hints_used) + " on " +
                           step_title(state.step),
                       game_wall_s(state)});
}

bool draw_game_bar(AppState& state) {
  GameState& game = state.game;
  const GameView& v = game.view;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.12f, 0.13f, 0.17f, 1.0f));
  ImGui::BeginChild("game.bar", ImVec2(0, ImGui::GetFrameHeightWithSpacing() * (v.page_s && !game.ack_s ? 3.4f : 2.3f)), true);
  ImGui::Text("Game day, team %s   |   clock %s of %s (simulated)   |   %s", game.team.c_str(), hms(v.clock_s).c_str(),
              hms(v.horizon_s).c_str(), v.speed > 0 ? (std::to_string(static_cast<int>(v.speed)) + "x").c_str() : "paused");
  mark_control("game.clock");
  ImGui::SameLine();
  ImGui::TextColored(rgba(colour::kMuted), "   Facilitator: F9");
  if (v.page_s) {
    if (!game.ack_s) {
      ImGui::PushStyleColor(ImGuiCol_Text, rgba(colour::kSlo));
      ImGui::TextWrapped("PAGE at %s: %s", hms(*v.page_s).c_str(), v.page_text.c_str());
      ImGui::PopStyleColor();
      if (ImGui::Button("Acknowledge and open Observe")) acknowledge_page(state);
      mark_control("game.ack");
    } else {
      ImGui::TextColored(rgba(colour::kMuted), "Paged at %s, acknowledged at %s.", hms(*v.page_s).c_str(), hms(*game.ack_s).c_str());
      if (v.within_since_s) {
        ImGui::SameLine();
        ImGui::TextColored(rgba(colour::kGood), " Headline within target since %s%s.", hms(*v.within_since_s).c_str(),
                           v.recovered_s ? " (recovered)" : "");
        if (v.recovered_s) mark_control("game.recovered");
      }
    }
  } else {
    ImGui::TextColored(rgba(colour::kMuted), "On call. No page yet.");
  }
  ImGui::EndChild();
  ImGui::PopStyleColor();
  if (!v.ready) {
    ImGui::TextColored(rgba(colour::kMuted), "Starting the service...");
    return false;
  }
  if (game.ack_s) return true;
  // Before the acknowledgement: the service's log so far is all there is.
  ImGui::Spacing();
  ImGui::TextWrapped("You are on call for this service. When something pages, acknowledge it to open the dashboards.");
  if (game.signals.logs) {
    section_title("Event log so far");
    for (const auto& e : state.run.events)
      ImGui::TextWrapped("%s  %s: %s", clock_text(ns_to_s(static_cast<double>(e.t))).c_str(), e.kind.c_str(), e.text.c_str());
  }
  return false;
}

void draw_game_fix(AppState& state) {
  GameState& game = state.game;
  FixAnswer& a = state.play.fix;
  const auto landed = fixes_for(game.view, state.play.bottleneck);
  const bool live = !landed.empty() && landed.back()->id == a.id;
  section_title("Apply it to the live service");
  ImGui::TextColored(rgba(colour::kMuted),
                     "It lands now, at %s, and the service goes on from there. Watch the chart: if it does not help, "
                     "go on and try another.", hms(game.view.clock_s).c_str());
  const bool can_apply = !a.id.empty() && !game.ending && !live;  // the one in place already landed
  if (!can_apply) ImGui::BeginDisabled();
  if (ImGui::Button("Apply now")) game.worker.apply_fix(state.play.bottleneck, a.id, game_wall_s(state));
  if (!can_apply) ImGui::EndDisabled();
  mark_control("fix.apply");
  for (const GameFix* f : landed) ImGui::BulletText("%s: %s", hms(f->at_s).c_str(), f->title.c_str());
  section_title("What the service does");
  draw_headline_chart(state, "fix_chart", 260.0f);
  commit_button(state, LoopStep::Fix, "Done: go to Verify",
                a.id.empty() ? "Select a change in the playbook" : !live ? "Apply the selected change first" : nullptr);
}

bool game_verify_ready(AppState& state) {
  GameState& game = state.game;
  const auto landed = fixes_for(game.view, state.play.bottleneck);
  if (landed.empty()) return true;  // nothing landed: Verify says so itself
  const double since = game.view.clock_s - landed.back()->at_s;
  // A session opened on another fix time is not this fix's yet.
  const bool session_current = game.session_fix_s == game.view.fixes.back().at_s && state.view.ready;
  if (since >= kRecoveryHold / kNsPerS && session_current) return true;
  ImGui::TextWrapped("The fix landed at %s. Verify opens once five simulated minutes of data after it exist: %s so far.",
                     hms(landed.back()->at_s).c_str(), clock_text(std::max(0.0, since)).c_str());
  draw_headline_chart(state, "verify_wait_chart", 260.0f);
  return false;
}

void draw_facilitator(AppState& state) {
  GameState& game = state.game;
  const GameView& v = game.view;
  ImGui::SetNextWindowSize(ImVec2(520, 640), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowPos(ImVec2(ImGui::GetMainViewport()->WorkSize.x - 540, 60), ImGuiCond_FirstUseEver);
  if (!ImGui::Begin("Facilitator (F9 hides; the team must not see this)", &game.facilitator_open)) {
    ImGui::End();
    return;
  }
  mark_control("facilitator.window");
  ImGui::Text("Clock %s of %s", hms(v.clock_s).c_str(), hms(v.horizon_s).c_str());
  if (ImGui::Button(v.speed > 0 ? "Pause" : "Resume")) game.worker.set_speed(v.speed > 0 ? 0.0 : speed_of(game));
  mark_control("facilitator.pause");
  for (int i = 0; i < 5; ++i) {
    ImGui::SameLine();
    char label[16];
    std::snprintf(label, sizeof label, "%gx", kGameSpeeds[i]);
    const bool on = v.speed == kGameSpeeds[i];
    if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.20f, 0.42f, 0.72f, 1.0f));
    if (ImGui::Button(label)) {
      game.speed_index = i;
      game.worker.set_speed(kGameSpeeds[i]);
    }
    if (on) ImGui::PopStyleColor();
    mark_control(std::string("facilitator.speed.") + label);
  }
  ImGui::SameLine(0, 24);
  if (game.ending) ImGui::TextColored(rgba(colour::kMuted), "Grading the game...");
  else if (ImGui::Button("End the game")) end_game(state);
  mark_control("facilitator.end");
  ImGui::Text("Page: %s   Acknowledged: %s", v.page_s ? hms(*v.page_s).c_str() : "not yet",
              game.ack_s ? hms(*game.ack_s).c_str() : "not yet");
  ImGui::Text("Recovered: %s", v.recovered_s ? hms(*v.recovered_s).c_str()
                               : v.within_since_s ? ("within target since " + hms(*v.within_since_s)).c_str()
                                                  : "not yet");

  if (v.build && ImGui::CollapsingHeader("The truth", ImGuiTreeNodeFlags_DefaultOpen)) {
    for (const auto& b : v.build->bottlenecks) {
      ImGui::TextWrapped("%s", b.title.c_str());
      std::string families;
      for (const auto& f : b.families) families += (families.empty() ? "" : ", ") + f;
      ImGui::TextColored(rgba(colour::kMuted), "Families: %s", families.c_str());
      ImGui::TextWrapped("%s", b.root_cause.c_str());
      std::string right;
      for (const auto& f : b.right_fixes) right += (right.empty() ? "" : ", ") + f;
      ImGui::TextColored(rgba(colour::kGood), "Right fixes: %s", right.c_str());
    }
  }
  if (ImGui::CollapsingHeader("Hints", ImGuiTreeNodeFlags_DefaultOpen)) {
    const bool can = game.ack_s && !state.play.finished && draft_of(state.play, state.step).hints_used < kMaxHintsUsed;
    ImGui::Text("The team is on %s (%d of %d hints released there)", step_title(state.step),
                state.play.finished ? 0 : draft_of(state.play, state.step).hints_used, kMaxHintsUsed);
    if (!can) ImGui::BeginDisabled();
    if (ImGui::Button("Release the next hint")) release_hint(state);
    if (!can) ImGui::EndDisabled();
    mark_control("facilitator.hint");
  }
  if (ImGui::CollapsingHeader("Injects", ImGuiTreeNodeFlags_DefaultOpen)) {
    if (v.injects.empty()) ImGui::TextColored(rgba(colour::kMuted), "This scenario declares none.");
    for (const auto& inject : v.injects) {
      ImGui::PushID(inject.spec.id.c_str());
      ImGui::TextWrapped("%s [%s] %s", hms(inject.spec.at_s).c_str(), inject.spec.kind.c_str(), inject.spec.text.c_str());
      if (inject.fired_s) {
        ImGui::TextColored(rgba(colour::kMuted), "  sent at %s", hms(*inject.fired_s).c_str());
      } else {
        if (ImGui::SmallButton("Send now")) game.worker.send_inject(inject.spec.id, game_wall_s(state));
        mark_control("facilitator.inject." + inject.spec.id);
        ImGui::SameLine();
        bool held = inject.held;
        if (ImGui::Checkbox("Hold", &held)) game.worker.hold_inject(inject.spec.id, held);
      }
      ImGui::PopID();
    }
  }
  if (ImGui::CollapsingHeader("The team's answers so far", ImGuiTreeNodeFlags_DefaultOpen)) {
    if (v.build && game.answers_seen_revision != state.play.revision) {
      GameRecord preview;
      record_answers(preview, state.play.answers, *v.build, false);
      game.answers_seen = std::move(preview.timeline);
      game.answers_seen_revision = state.play.revision;
    }
    if (game.answers_seen.empty()) ImGui::TextColored(rgba(colour::kMuted), "Nothing answered yet.");
    for (const auto& e : game.answers_seen) ImGui::TextWrapped("%s  %s", hms(e.t_s).c_str(), e.text.c_str());
    for (const auto& f : v.fixes)
      ImGui::TextWrapped("%s  fix landed: %s%s", hms(f.at_s).c_str(), f.title.c_str(), f.right ? "" : " (wrong)");
  }
  ImGui::End();
}

}  // namespace perfloop::ui
