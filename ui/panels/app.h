// The app's state, plain data the panels read and change, and the frame's
// draw: the home screen, the track, the scenario picker, or the rail of
// eight steps and the current step's panel. Each panel lives in its own step_*.cpp.
#pragma once

#include <map>
#include <string>

#include "sim/learn/coach.h"
#include "sim/learn/data_folder.h"
#include "sim/learn/glossary.h"
#include "sim/learn/track.h"
#include "sim/interop/family_hints.h"
#include "sim/interop/run_export.h"
#include "sim/interop/stack_profile.h"
#include "sim/scenarios/catalogue.h"
#include "sim/loop/loop_steps.h"
#include "ui/core/background_task.h"
#include "ui/core/flame_layout.h"
#include "ui/core/play_state.h"
#include "ui/core/practise_state.h"
#include "ui/platform/session_worker.h"
#include "ui/core/settings.h"
#include "ui/platform/sim_worker.h"
#include "ui/core/waterfall_layout.h"
#include "ui/panels/gameday.h"
#include "ui/widgets/widget_flame.h"
#include "ui/widgets/widget_timeseries.h"

namespace perfloop::ui {

// The Profile step's view of its capture: which of the capture's flame trees
// (built on the session's worker) is shown, and how.
struct ProfileView {
  std::string stream = "cpu";  // cpu, alloc, offcpu, mutex, trace, bundle
  std::shared_ptr<const ProfileData> built_from;
  std::string built_stream;
  std::shared_ptr<const FlameTree> tree;  // one of built_from's trees; null before the first capture
  bool pinned = false;         // the tree was set from outside (the benchmark's): keep it
  FlameWidgetState flame;
  int trace = 0;               // which slow trace the waterfall shows
  int picked_span = -1;        // the waterfall row picked, outlined until another trace is shown
  // The waterfall's rows, laid out once per capture and trace.
  WaterfallTrace waterfall;
  std::shared_ptr<const ProfileData> waterfall_from;
  int waterfall_trace = -1;

  // The tree shown, or an empty one.
  const FlameTree& shown_tree() const {
    static const FlameTree kEmpty;
    return tree ? *tree : kEmpty;
  }
};

// The Export popup on Observe and Profile: the file being written on a
// thread of its own, and what came of the last one.
struct ExportState {
  std::string what;          // profile, trace, metrics
  int format = 0;            // index into the popup's choices for `what`
  std::string path;
  BackgroundTask<std::string> task;  // the status line once written
  std::string status;
  bool failed = false;
};

// `perfloop gui --profile FILE [--against FILE2]`: a profile from outside in
// the same flame graph, with a diff against a second one.
struct ProfileFileView {
  std::shared_ptr<StackProfile> profile;  // the file, with the other file's paths interned too
  std::shared_ptr<const StackProfile> against;
  std::string path, format, against_path, against_format;
  std::size_t column = 0;                // the value column shown
  std::shared_ptr<const FlameTree> tree; // built for `tree_column`
  std::size_t tree_column = static_cast<std::size_t>(-1);
  FlameWidgetState flame;
  std::vector<FamilyHint> hints;         // of the column shown
  std::vector<FrameWeight> top_self;     // the column's widest frames by self, at most 8
  std::string picked;                    // the frame clicked, for the caption
};

// The scenario picker's choice before it is played.
struct PickerState {
  std::string selected;        // scenario id
  ParamValues params;          // slider values that differ from the defaults
  // Titles, families, goals and sliders of scenarios not yet played: for a
  // facilitator or an author; off by default, they give the answers away.
  bool show_spoilers = false;
};

// What the saved attempts say (played, best at the defaults), read off the
// UI thread once per opening of the home screen, the track or the picker.
struct ProgressState {
  bool loaded = false;
  BackgroundTask<Progress> task;
  Progress progress;
};

// The Practise panel's widgets: the flame graph's zoom and pick for the
// tree shown, and the headline chart's selection.
struct PractiseView {
  FlameWidgetState flame;
  const FlameTree* flame_tree = nullptr;  // the tree `flame` belongs to
  ChartSelection selection;
};

// Which screen fills the window.
enum class Screen { Home, Track, Play, Practise, GameSetup, Scoreboard, Debrief, ProfileFile };

// The guided track and the coach: their texts, read once at start.
struct LearnState {
  std::optional<TrackDefinition> track;
  std::optional<CoachTexts> coach;
  std::vector<GlossaryEntry> glossary;
  bool glossary_open = false;
  bool from_track = false;     // the scenario being played was opened from the track
  // The step last committed, explained by the coach at the top of the next panel.
  std::optional<LoopStep> explained_step;
  std::size_t explained_bottleneck = 0;
  // The explanation worked out from the grading of these answers, kept
  // instead of rebuilt every frame.
  std::uint64_t explanation_key = 0;
  std::string explanation;
  std::vector<std::string> problems;  // assets that could not be read, for the home screen
  std::string saved_seen;             // the last saved attempt the progress was re-read for
};

// Keys of the committed answers for the worker's requests, worked out once
// per change of the answers (PlayState::revision), not every frame.
struct AnswerKeys {
  std::uint64_t revision = 0;
  std::uint64_t answers = 0;  // the whole document: the scorecard's grading
  std::uint64_t gates = 0;    // the Enforce set: its replay
};

struct AppState {
  // The scenario being played.
  std::string scenario_id;
  std::string scenario_path;
  std::uint64_t seed = 1;
  ParamValues params;          // the picker's overrides of the scenario's parameters
  Screen screen = Screen::Play;
  bool picking = false;        // the scenario picker is open (over the Play screen)
  PickerState picker;
  ProgressState progress;
  LearnState learn;
  PractiseState practise;      // the self-paced quiz
  PractiseView practise_view;
  GameState game;              // an incident game day (its worker, its record, its results)
  DataFolder data;             // the learner's data folder (attempts, progress)
  // False while the data folder's marker is still to be written (before its
  // first attempt); a plain --save folder, or none, has nothing to prepare.
  bool data_prepared = true;
  Catalogue catalogue;         // for the picker; empty until catalogue_task has read it
  BackgroundTask<Catalogue> catalogue_task;  // every scenario is a script to run: never on the UI thread
  bool catalogue_ready = false;
  std::string save_dir;        // attempts are read and saved here; empty: none
  bool saving = true;          // false: the data folder is not ours to write (a newer perfloop's)

  LoopStep step = LoopStep::Observe;  // the panel shown
  PlayState play;
  SimWorker worker;            // the dashboards' run: the fixes so far, streamed
  RunSnapshot run;             // this frame's copy of what the worker has produced
  SessionWorker session;       // the graded loop: captures, outcomes, grading
  SessionView view;            // this frame's copy of the session's answers
  AnswerKeys keys;
  ChartSelection selection;
  ProfileView profile;
  ProfileView after_fix;       // Move on's CPU flame graph of the window after the fix
  ExportState export_state;
  ProfileFileView profile_file;
  Settings settings;
  std::string settings_path;
  // The error panel's messages, oldest first, until dismissed; the app keeps running.
  std::vector<std::string> errors;
  std::string seen_run_error, seen_view_error;  // the workers' last errors, already listed
  double now = 0.0;            // UI clock in seconds (for time spent per step)
  bool quit = false;           // Ctrl+Q
};

// Adds a message to the error panel (once, if it is the newest already).
void report_error(AppState& state, std::string message);

// Opens a scenario: its run on the worker, a fresh loop, the Observe step.
void open_scenario(AppState& state, const std::string& id_or_path);
// Reads the catalogue folder on a thread of its own; the picker shows it once read.
void start_reading_catalogue(AppState& state, const std::string& dir);
// Nothing in the background still to arrive: the workers, the catalogue, the best scores.
bool background_idle(const AppState& state);
// Blocks until background_idle (tests, screenshots).
void wait_for_background(AppState& state);
// Fix's "Apply": the dashboards' run starts again with `id` landing after the earlier fixes.
void apply_fix(AppState& state, const std::string& id);
// Commits the step's draft and moves the panel to the next open step.
void commit_and_advance(AppState& state, LoopStep step);

// The committed answers' keys, current for this frame.
const AnswerKeys& answer_keys(AppState& state);

// One frame of the whole app, filling the window. A panel that throws costs
// the rest of its frame and a message in the error panel, nothing more.
void draw_app(AppState& state);
// Closes what a frame that threw left open (windows, children, IDs, colours,
// style, disabled blocks, and fonts down to `font_depth`), so it still ends cleanly.
void recover_frame(int font_depth);

// Reads the saved attempts again (after a save, on opening a screen that shows them).
void refresh_progress(AppState& state);
// Takes the progress once read; true while it is still being read.
bool progress_pending(AppState& state);
// Opens a scenario of the track (or the picker) on its Observe step.
void play_scenario(AppState& state, const std::string& id, bool from_track);

void draw_home_screen(AppState& state);
void draw_track_screen(AppState& state);
// Practise: the quiz session, a card at a time, and the schedule's stats.
void open_practise_screen(AppState& state);
void draw_practise_screen(AppState& state);
void draw_practise_stats(AppState& state);
void draw_scenario_picker(AppState& state);
// The coach above a step's panel: the tutorial's guide, the hints at a cost,
// and the explanation of the step answered last.
void draw_coach(AppState& state, LoopStep step);
// The glossary, a window over any screen while open.
void draw_glossary(AppState& state);
void draw_observe_step(AppState& state);
void draw_profile_step(AppState& state);
void draw_classify_step(AppState& state);
void draw_predict_step(AppState& state);
void draw_fix_step(AppState& state);
void draw_verify_step(AppState& state);
void draw_enforce_step(AppState& state);
void draw_move_on_step(AppState& state);
// Reads a profile (and the one to diff against) and opens its screen; the
// reason, naming the file, when either cannot be read.
std::string open_profile_file(AppState& state, const std::string& path, const std::string& against_path);
// An imported profile (gui --profile), alone on its screen.
void draw_profile_file_screen(AppState& state);
// The export this panel's button starts from: the scenario, seed, parameters
// and fixes being played; the caller fills the window, endpoint and stream.
RunExportRequest export_request_for(const AppState& state, const std::string& what);
// "Export..." and its popup; disabled with `disabled_why` as its tooltip.
void draw_export_button(AppState& state, RunExportRequest request, const char* disabled_why = nullptr);

// Shared by the panels: a primary button that commits the step, named
// "<step>.commit" in the control map; greyed out with `why_not` as its
// tooltip while the answer is incomplete.
void commit_button(AppState& state, LoopStep step, const char* label, const char* why_not = nullptr);
// "Observe", "Move on": a step as the rail and the scorecard name it.
const char* step_title(LoopStep step);
// A heading with a rule under it (ImGui 1.86 has no SeparatorText).
void section_title(const char* text);
// The coach for a step (draw_coach): every panel calls it under its heading.
void hint_line(AppState& state, LoopStep step);
// The bottleneck being worked on (null until the session has built the scenario).
const BottleneckSpec* current_bottleneck(const AppState& state);

// What a family looks like in the signals, one line (Classify, Practise).
const char* family_line(const std::string& family);

// What a flame graph of a Profile stream ("cpu", "alloc", "offcpu", "mutex") counts.
const char* flame_unit(const std::string& stream);

// A headline ("p50", "p99", "error_rate", "rps", "lcp") read from one window.
double metric_value(const SeriesPoint& point, const std::string& metric);
// The learner's Observe endpoint and metric over the run, as a chart line.
ChartLine headline_line(const AppState& state, const char* name, unsigned colour);
// The headline chart of the learner's endpoint and metric, with the SLO line
// when it is the SLO's, the run's deploy and fix markers and `extra` lines.
void draw_headline_chart(AppState& state, const char* id, float height, const std::vector<ChartLine>& extra = {});

}  // namespace perfloop::ui
