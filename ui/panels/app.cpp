#include "ui/panels/app.h"

#include <imgui.h>
#include <imgui_internal.h>  // ErrorCheckEndFrameRecover: a panel that threw leaves its windows open

#include <cstdio>
#include <filesystem>

#include "sim/loop/loop_session.h"
#include "sim/scenarios/scenario_paths.h"
#include "ui/platform/control_map.h"
#include "ui/platform/layer_cache.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

void go_to(AppState& state, LoopStep step) {
  if (!step_open(state.play, step) || state.step == step) return;
  state.step = step;
}

// The scenario's name on the rail: its title names the cause, so until the
// learner has played it (or finishes this attempt) the pager's line stands in.
std::string rail_title(const AppState& state) {
  for (const auto& entry : state.catalogue.entries) {
    if (entry.id != state.scenario_id) continue;
    const bool played = state.play.finished || state.progress.progress.played.count(entry.id) > 0;
    if (played || entry.meta.pager.empty()) return played ? entry.title : "An unnamed incident";
    return entry.meta.pager;
  }
  return "Loading the scenario...";
}

void draw_rail(AppState& state) {
  progress_pending(state);  // whether this scenario was played before names it
  ImGui::TextWrapped("%s", rail_title(state).c_str());
  if (state.view.build && state.play.bottlenecks > 1)
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Bottleneck %zu of %zu",
                       state.play.bottleneck + 1, state.play.bottlenecks);
  ImGui::Separator();
  int number = 1;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  for (LoopStep step : kLoopSteps) {
    char label[64];
    std::snprintf(label, sizeof label, "     %d  %s", number++, step_title(step));
    const bool open = step_open(state.play, step);
    const bool done = step_done(state.play, step) && !(step == LoopStep::Enforce && !state.play.answers.enforce);
    const bool skipped = step == LoopStep::Enforce && !open && state.play.bottleneck + 1 < state.play.bottlenecks;
    if (!open) ImGui::BeginDisabled();
    if (ImGui::Selectable(label, state.step == step)) go_to(state, step);
    if (!open) ImGui::EndDisabled();
    mark_control(std::string("rail.") + std::string(step_name(step)));
    // done: green dot; the step to answer now: blue; locked: a grey ring.
    const ImVec2 min = ImGui::GetItemRectMin();
    const ImVec2 centre(min.x + 10.0f, min.y + ImGui::GetTextLineHeight() / 2 + 1.0f);
    if (done) draw->AddCircleFilled(centre, 4.5f, colour::kGood);
    else if (open) draw->AddCircleFilled(centre, 4.5f, colour::kP50);
    else draw->AddCircle(centre, 4.5f, colour::kMuted);
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
      ImGui::SetTooltip(skipped ? "Enforce comes once, after the last bottleneck's fix"
                        : !open ? "Locked: answer the earlier steps first"
                        : done  ? "Answered; open it to look again (key %d)"
                                : "The step to answer now (key %d)",
                        number - 1);
  }
  ImGui::Separator();
  if (ImGui::Button("Home")) {
    state.screen = Screen::Home;
    refresh_progress(state);
  }
  mark_control("rail.home");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The home screen; this attempt stays open until you start another");
  ImGui::SameLine();
  if (ImGui::Button(state.learn.from_track ? "Track" : "Scenarios")) {
    if (state.learn.from_track) {
      state.screen = Screen::Track;
      refresh_progress(state);
    } else {
      state.picking = true;
    }
  }
  mark_control("rail.scenarios");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(state.learn.from_track ? "Back to the track (this attempt stays open until you start another)"
                                             : "Pick another scenario (this attempt is dropped)");
  if (ImGui::Button("Glossary")) state.learn.glossary_open = !state.learn.glossary_open;
  mark_control("rail.glossary");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The ideas behind the loop, each in a few sentences (G)");
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "UI scale");
  ImGui::SetNextItemWidth(-1);
  float scale = state.settings.ui_scale;
  if (ImGui::SliderFloat("##scale", &scale, 0.75f, 2.0f, "%.2fx")) state.settings.ui_scale = scale;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Text and control size; remembered in the settings file");
  ImGui::GetIO().FontGlobalScale = state.settings.ui_scale;
}

// 1-8 jump between open steps (typed characters, so no backend key codes
// leak in here); not while a text field has the keyboard.
void handle_keys(AppState& state) {
  const ImGuiIO& io = ImGui::GetIO();
  // GLFW's key codes for letters are their upper-case ASCII, which ImGui 1.86 indexes by.
  if (io.KeyCtrl && ImGui::IsKeyPressed('Q', false)) state.quit = true;
  if (io.WantTextInput) return;
  for (ImWchar c : io.InputQueueCharacters) {
    if (io.KeyCtrl) continue;
    if (c >= '1' && c <= '8' && state.screen == Screen::Play && !state.picking)
      go_to(state, kLoopSteps[static_cast<std::size_t>(c - '1')]);
    if (c == 'g' || c == 'G') state.learn.glossary_open = !state.learn.glossary_open;
  }
  // F9, by GLFW's key code (ImGui 1.86 indexes keys by the backend's): the
  // facilitator's panel, only while a game is on.
  constexpr int kKeyF9 = 298;
  if (state.game.active && ImGui::IsKeyPressed(kKeyF9, false)) state.game.facilitator_open = !state.game.facilitator_open;
}

// Esc goes back: out of the picker, or one step. Checked after the panel
// drew, because a flame graph spends an Esc first (closing its search,
// resetting its zoom) and then the step stays.
void handle_escape(AppState& state, bool typing) {
  if (typing || !ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) return;
  const int frame = ImGui::GetFrameCount();
  if (state.profile.flame.escape_frame == frame || state.after_fix.flame.escape_frame == frame ||
      state.profile_file.flame.escape_frame == frame)
    return;
  if (state.learn.glossary_open) {
    state.learn.glossary_open = false;
    return;
  }
  if (state.picking) {
    state.picking = false;
    if (state.scenario_path.empty()) state.screen = Screen::Home;
    return;
  }
  if (state.screen == Screen::Track || (state.screen == Screen::Practise && !state.practise.show_stats)) {
    state.screen = Screen::Home;
    return;
  }
  if (state.screen == Screen::Practise) {
    state.practise.show_stats = false;
    return;
  }
  if (state.screen != Screen::Play) return;
  const auto steps = steps_for(state.play);
  for (std::size_t i = 1; i < steps.size(); ++i)
    if (steps[i] == state.step) {
      state.step = steps[i - 1];
      return;
    }
}

// A scenario opened by path is named by its file until the script says its id.
void adopt_scenario_id(AppState& state) {
  if (state.view.scenario_id.empty() || state.view.scenario_id == state.scenario_id) return;
  state.scenario_id = state.view.scenario_id;
  set_scenario(state.play, state.scenario_id);
}

// The catalogue arrives once read; a scenario opened before it is named by its id from then on.
void take_catalogue(AppState& state) {
  if (auto catalogue = state.catalogue_task.take()) {
    state.catalogue = std::move(*catalogue);
    state.catalogue_ready = true;
    for (const auto& entry : state.catalogue.entries)
      if (entry.file == state.scenario_path) state.settings.last_scenario = entry.id;
  }
  const std::string error = state.catalogue_task.take_error();
  if (!error.empty()) report_error(state, "The catalogue could not be read: " + error);
}

// The workers report their last failure in their snapshots; each new one joins the list once.
void collect_worker_errors(AppState& state) {
  if (state.run.error != state.seen_run_error) {
    state.seen_run_error = state.run.error;
    if (!state.run.error.empty()) report_error(state, state.run.error);
  }
  if (state.view.error != state.seen_view_error) {
    state.seen_view_error = state.view.error;
    if (!state.view.error.empty()) report_error(state, state.view.error);
  }
}

// Newest first, each with its own Dismiss; a long list scrolls.
void draw_error_panel(AppState& state) {
  if (state.errors.empty()) return;
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float height = std::min(8.0f, 1.6f * static_cast<float>(state.errors.size()) + 0.8f) * line;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.35f, 0.12f, 0.14f, 1.0f));
  ImGui::BeginChild("error", ImVec2(0, height), true);
  int dismiss = -1;
  for (int i = static_cast<int>(state.errors.size()) - 1; i >= 0; --i) {
    ImGui::PushID(i);
    if (ImGui::SmallButton("Dismiss")) dismiss = i;
    mark_control("error.dismiss." + std::to_string(state.errors.size() - 1 - static_cast<std::size_t>(i)));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Remove this message from the panel");
    ImGui::SameLine();
    ImGui::TextWrapped("%s", state.errors[static_cast<std::size_t>(i)].c_str());
    ImGui::PopID();
  }
  ImGui::EndChild();
  ImGui::PopStyleColor();
  if (dismiss >= 0) state.errors.erase(state.errors.begin() + dismiss);
}

// The dashboards show the service with the fixes landed so far (and, from
// Fix on, the candidate fix): restart the run when that set changes.
void keep_run_current(AppState& state) {
  const std::vector<std::string> before = fixes_before(state.play, state.view.build.get());
  const std::vector<std::string>& running = state.run.fixes;
  const bool prefix = running.size() >= before.size() && std::equal(before.begin(), before.end(), running.begin());
  if (state.run.version != 0 && (!prefix || running.size() > before.size() + 1))
    state.worker.start(state.scenario_path, state.seed, before, state.params);
}

}  // namespace

const char* step_title(LoopStep step) {
  switch (step) {
    case LoopStep::Observe: return "Observe";
    case LoopStep::Profile: return "Profile";
    case LoopStep::Classify: return "Classify";
    case LoopStep::Predict: return "Predict";
    case LoopStep::Fix: return "Fix";
    case LoopStep::Verify: return "Verify";
    case LoopStep::Enforce: return "Enforce";
    case LoopStep::MoveOn: return "Move on";
  }
  return "?";
}

void report_error(AppState& state, std::string message) {
  if (!state.errors.empty() && state.errors.back() == message) return;
  state.errors.push_back(std::move(message));
  constexpr std::size_t kKept = 20;  // a failure every frame must not grow without bound
  if (state.errors.size() > kKept) state.errors.erase(state.errors.begin());
}

void open_scenario(AppState& state, const std::string& id_or_path) {
  const std::string path = find_scenario(id_or_path);
  if (path.empty()) {
    report_error(state, "Scenario '" + id_or_path + "' not found");
    return;
  }
  state.scenario_path = path;
  state.scenario_id = std::filesystem::path(path).stem().string();
  state.settings.last_scenario = path;  // a file outside the catalogue is found again by its path
  for (const auto& entry : state.catalogue.entries)
    if (entry.file == path || entry.id == id_or_path) state.scenario_id = state.settings.last_scenario = entry.id;
  state.step = LoopStep::Observe;
  state.selection = ChartSelection{};
  state.profile = ProfileView{};
  state.after_fix = ProfileView{};
  start_play(state.play, state.scenario_id, 1);
  state.play.step_opened_at = state.now;
  state.run = RunSnapshot{};
  state.worker.start(path, state.seed, {}, state.params);
  state.session.open(path, state.seed, state.params);
  state.view = SessionView{};
}

void start_reading_catalogue(AppState& state, const std::string& dir) {
  state.catalogue_task.start([dir] { return load_catalogue(dir); });
}

bool background_idle(const AppState& state) {
  return state.session.idle() && !state.catalogue_task.busy() && !state.progress.task.busy() &&
         !state.practise.source_task.busy() && !state.practise.prepare_task.busy() && !state.practise.grade_task.busy();
}

void wait_for_background(AppState& state) {
  state.session.wait_idle();
  state.catalogue_task.wait();
  state.progress.task.wait();
  state.practise.source_task.wait();
  state.practise.prepare_task.wait();
  state.practise.grade_task.wait();
}

void refresh_progress(AppState& state) { state.progress.loaded = false; }

bool progress_pending(AppState& state) {
  ProgressState& p = state.progress;
  if (!p.loaded) {
    p.loaded = true;
    const std::string dir = state.save_dir;
    p.task.start([dir] { return read_progress(dir); });
  }
  if (auto progress = p.task.take()) p.progress = std::move(*progress);
  return p.task.busy();
}

void play_scenario(AppState& state, const std::string& id, bool from_track) {
  state.picking = false;
  state.screen = Screen::Play;
  state.learn.from_track = from_track;
  state.learn.explained_step.reset();
  state.learn.glossary_open = false;
  if (from_track) state.params.clear();  // the track counts attempts at the defaults
  open_scenario(state, id);
}

const AnswerKeys& answer_keys(AppState& state) {
  if (state.keys.revision == state.play.revision) return state.keys;
  state.keys.revision = state.play.revision;
  state.keys.answers = json_key(answers_to_json(state.play.answers));
  nlohmann::json gates = nlohmann::json::array();
  if (state.play.answers.enforce)
    for (const GateChoice& g : state.play.answers.enforce->gates) gates.push_back({g.id, g.threshold ? *g.threshold : -1.0});
  state.keys.gates = json_key(gates);
  return state.keys;
}

void commit_and_advance(AppState& state, LoopStep step) {
  const double seconds = std::max(0.0, state.now - state.play.step_opened_at);
  const bool current = !step_done(state.play, step);
  // The coach explains the step just answered at the top of the next panel.
  state.learn.explained_step = step;
  state.learn.explained_bottleneck = state.play.bottleneck;
  // A game day records when, on its clock, each answer was given.
  if (state.game.active) draft_of(state.play, step).at_s = state.game.view.clock_s;
  state.step = commit_step(state.play, step, seconds);
  if (state.play.finished) state.step = LoopStep::MoveOn;
  if (current) state.play.step_opened_at = state.now;
}

void commit_button(AppState& state, LoopStep step, const char* label, const char* why_not) {
  ImGui::Spacing();
  const bool blocked = why_not != nullptr;
  if (blocked) ImGui::BeginDisabled();
  ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.20f, 0.42f, 0.72f, 1.0f));
  const bool pressed = ImGui::Button(label, ImVec2(0, ImGui::GetFrameHeight() * 1.3f));
  ImGui::PopStyleColor();
  if (blocked) ImGui::EndDisabled();
  mark_control(std::string(step_name(step)) + ".commit");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("%s", blocked ? why_not : "Record this answer and open the next step");
  if (pressed && !blocked) commit_and_advance(state, step);
}

const BottleneckSpec* current_bottleneck(const AppState& state) {
  if (!state.view.build || state.play.bottleneck >= state.view.build->bottlenecks.size()) return nullptr;
  return &state.view.build->bottlenecks[state.play.bottleneck];
}

double metric_value(const SeriesPoint& point, const std::string& metric) {
  if (metric == "p50") return point.p50_ms;
  if (metric == "error_rate") return point.error_pct;
  if (metric == "rps") return point.rps;
  if (metric == "lcp") return point.lcp_p75_ms;
  if (metric == "inp") return point.inp_p75_ms;
  return point.p99_ms;
}

ChartLine headline_line(const AppState& state, const char* name, unsigned colour) {
  ChartLine line{name, colour, {}, {}};
  const int e = state.run.endpoint_index(state.play.observe.endpoint);
  if (e < 0) return line;
  const std::string metric = state.play.observe.metric.empty() ? "p99" : state.play.observe.metric;
  line.data_version = series_version(state.run, e) ^ LayerKey{}.add(metric.data(), metric.size()).value;
  for (const SeriesPoint& p : state.run.series[static_cast<std::size_t>(e)]) {
    line.t_s.push_back(p.t_s);
    line.values.push_back(metric_value(p, metric));
  }
  return line;
}

void draw_headline_chart(AppState& state, const char* id, float height, const std::vector<ChartLine>& extra) {
  const std::string metric = state.play.observe.metric.empty() ? "p99" : state.play.observe.metric;
  ChartSpec spec;
  spec.title = state.play.observe.endpoint + " " + metric;
  spec.unit = headline_unit(metric);
  spec.duration_s = state.run.duration_s;
  spec.height = height;
  const BottleneckSpec* b = current_bottleneck(state);
  if (b && b->symptom.target > 0 && b->symptom.metric == metric && b->symptom.endpoint == state.play.observe.endpoint) {
    spec.threshold = b->symptom.target;
    char label[64];
    std::snprintf(label, sizeof label, "target %.0f %s", spec.threshold, spec.unit.c_str());
    spec.threshold_label = label;
  } else if (state.run.slo_ms > 0 && state.play.observe.endpoint == state.run.slo_endpoint &&
             (metric == "p99" || metric == "p50")) {
    spec.threshold = state.run.slo_ms;
    char label[64];
    std::snprintf(label, sizeof label, "SLO %.0f ms", spec.threshold);
    spec.threshold_label = label;
  }
  std::vector<ChartLine> lines{headline_line(state, metric.c_str(), colour::kP99)};
  lines.insert(lines.end(), extra.begin(), extra.end());
  ChartSelection none;  // these charts are read, not dragged
  draw_timeseries(id, spec, lines, state.run.events, none);
}

void section_title(const char* text) {
  ImGui::Spacing();
  ImGui::TextUnformatted(text);
  ImGui::Separator();
}

void recover_frame(int font_depth) {
  // ImGui 1.86's recovery unwinds windows, IDs, colours, style and disabled
  // blocks, but not fonts, and End() asserts on a font left pushed.
  while (ImGui::GetCurrentContext()->FontStack.Size > font_depth) ImGui::PopFont();
  ImGui::ErrorCheckEndFrameRecover(nullptr);
}

namespace {

void draw_frame(AppState& state) {
  state.now = ImGui::GetTime();
  if (state.game.active) update_game(state);
  else state.worker.refresh(state.run);
  state.view = state.session.view();
  // The scenario's bottleneck count is known once the session has built it;
  // start_play could only guess one.
  if (state.view.build && !state.play.finished)
    state.play.bottlenecks = std::max<std::size_t>({1, state.view.build->bottlenecks.size(), state.play.bottleneck + 1});
  adopt_scenario_id(state);
  take_catalogue(state);
  collect_worker_errors(state);
  if (!state.game.active) keep_run_current(state);
  handle_keys(state);
  const bool typing = ImGui::GetIO().WantTextInput;  // as of the frame's start, as handle_keys saw it

  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  ImGui::Begin("perfloop", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoBringToFrontOnFocus |
                   ImGuiWindowFlags_NoBackground);
  if (state.screen != Screen::Play || state.picking) {
    draw_error_panel(state);
    if (state.picking) draw_scenario_picker(state);
    else if (state.screen == Screen::Track) draw_track_screen(state);
    else if (state.screen == Screen::Practise) draw_practise_screen(state);
    else if (state.screen == Screen::GameSetup) draw_game_setup(state);
    else if (state.screen == Screen::Scoreboard) draw_scoreboard_screen(state);
    else if (state.screen == Screen::Debrief) draw_debrief_screen(state);
    else if (state.screen == Screen::ProfileFile) draw_profile_file_screen(state);
    else draw_home_screen(state);
    ImGui::End();
    if (state.learn.glossary_open) draw_glossary(state);
    handle_escape(state, typing);
    return;
  }
  // A game shows its bar over everything, and nothing else until the page
  // is acknowledged.
  if (state.game.active && !draw_game_bar(state)) {
    draw_error_panel(state);
    ImGui::End();
    handle_escape(state, typing);
    return;
  }
  ImGui::BeginChild("rail", ImVec2(180.0f * state.settings.ui_scale, 0), true);
  draw_rail(state);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("panel", ImVec2(0, 0), false);
  draw_error_panel(state);
  switch (state.step) {
    case LoopStep::Observe: draw_observe_step(state); break;
    case LoopStep::Profile: draw_profile_step(state); break;
    case LoopStep::Classify: draw_classify_step(state); break;
    case LoopStep::Predict: draw_predict_step(state); break;
    case LoopStep::Fix: draw_fix_step(state); break;
    case LoopStep::Verify: draw_verify_step(state); break;
    case LoopStep::Enforce: draw_enforce_step(state); break;
    case LoopStep::MoveOn: draw_move_on_step(state); break;
  }
  ImGui::EndChild();
  ImGui::End();
  if (state.learn.glossary_open) draw_glossary(state);
  handle_escape(state, typing);
}

}  // namespace

void draw_app(AppState& state) {
  // A panel that throws (a bad name in a scenario, a failed allocation) must
  // cost one frame and a message, not the learner's attempt: close whatever
  // the panel left open so the frame still ends cleanly.
  const int fonts = ImGui::GetCurrentContext()->FontStack.Size;
  try {
    draw_frame(state);
    // The facilitator's own window, over whatever the team's screen shows.
    if (state.game.active && state.game.facilitator_open) draw_facilitator(state);
  } catch (const std::exception& e) {
    recover_frame(fonts);
    report_error(state, std::string("The panel failed to draw: ") + e.what());
  }
}

}  // namespace perfloop::ui
