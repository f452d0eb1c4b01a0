// perfloop's command line: everything the app does, headless.
#include <CLI/CLI.hpp>
#include <iostream>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>

#include "cli/commands.h"
#include "sim/io/safe_text.h"
#include "ui/panels/gui_main.h"

int main(int argc, char** argv) {
  // The launch benchmark counts from here (and `perfloop bench` from its spawn).
  const std::int64_t entered_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  using namespace perfloop::cli;
  CLI::App app{"perfloop: a simulated production service for practising the performance loop"};
  app.require_subcommand(1);

  SimulateOptions sim;
  auto* simulate = app.add_subcommand("simulate", "Run a scenario and print what its five signals show");
  simulate->add_option("scenario", sim.scenario, "Scenario id (e.g. checkout-inventory-payload) or path to a .lua file")->required();
  // CLI11 would turn 99999999999999999999999 into the largest seed without a word.
  const CLI::Validator whole_number(
      [](std::string& text) {
        std::uint64_t value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        const bool whole = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        if (whole && error == std::errc() && end == text.data() + text.size()) return std::string();
        return "must be a whole number from 0 to 18446744073709551615, got " + perfloop::quote(text, 40);
      },
      "N");
  simulate->add_option("--seed", sim.seed, "Random seed; the same seed gives the same numbers")->check(whole_number);
  simulate->add_option("--param", sim.params, "Override a scenario parameter, NAME=VALUE (repeatable)");
  simulate->add_option("--fix", sim.fixes, "Apply a fix from the scenario's playbook at its fix time (repeatable)");
  auto* simulate_json = simulate->add_flag("--json", sim.json, "Print one JSON object (schema in README.md)");
  simulate->add_flag("--windows", sim.windows, "With --json: include per-window metrics")->needs(simulate_json);
  simulate->add_option("--traces", sim.traces, "With --json: include the N slowest traces per phase and endpoint")
      ->check(CLI::Range(0, 1000))
      ->needs(simulate_json);

  std::vector<std::string> check_files;
  bool check_simulate = false;
  auto* check = app.add_subcommand("check", "Validate scenario files: load, build every timeline point, fix and future change");
  check->add_option("files", check_files, "Scenario files")->required();
  check->add_flag("--simulate", check_simulate,
                  "Also run each scenario and prove what it claims: onsets, hot frames, right and wrong fixes, future "
                  "changes, gates, the expert's score (tens of seconds per file)");

  bool list_json = false;
  auto* list = app.add_subcommand("list", "List the scenario catalogue");
  list->add_flag("--json", list_json, "Print a JSON array of {id, file, title, level, families, minutes}");

  SolveOptions solve;
  auto* solve_cmd = app.add_subcommand("solve", "Print the expert's answers to a scenario's eight steps (answers format)");
  solve_cmd->add_option("scenario", solve.scenario, "Scenario id or path to a .lua file")->required();
  solve_cmd->add_option("--seed", solve.seed, "Random seed")->check(whole_number);
  solve_cmd->add_option("--param", solve.params, "Override a scenario parameter, NAME=VALUE (repeatable)");
  solve_cmd->add_flag("--json", solve.json, "Print JSON (the answers format is always JSON)");

  PlayOptions play;
  auto* play_cmd = app.add_subcommand("play", "Grade answers to a scenario's eight steps against the simulation");
  play_cmd->add_option("scenario", play.scenario, "Scenario id or path to a .lua file")->required();
  play_cmd->add_option("--answers", play.answers,
                       "Answers file (JSON, format in README.md), or a folder: every *.json in it graded in one batch")
      ->required();
  play_cmd->add_option("--seed", play.seed, "Random seed; the same answers and seed give the same score")->check(whole_number);
  play_cmd->add_option("--param", play.params, "Override a scenario parameter, NAME=VALUE (repeatable)");
  play_cmd->add_flag("--json", play.json, "Print one JSON object (schema in README.md)");
  auto* play_save = play_cmd->add_option("--save", play.save_dir, "Also save the result as a new attempt file in this folder");
  play_cmd->add_option("--data", play.data_dir, "Also save the result in this data folder's attempts/ (where the track reads progress)")
      ->excludes(play_save);

  TrackOptions track;
  auto* track_cmd = app.add_subcommand("track", "Show the onboarding track and what the saved attempts unlock");
  track_cmd->add_option("--data", track.data_dir, "The learner's data folder (default ~/.local/share/perfloop)");
  track_cmd->add_flag("--json", track.json, "Print a JSON array of {id, title, level, minutes, locked, played, best, families}");

  QuizOptions quiz;
  auto* quiz_cmd = app.add_subcommand("quiz", "Self-paced quiz cards (classify, predict, enforce), scheduled by FSRS");
  quiz_cmd->require_subcommand(1);
  auto quiz_common = [&](CLI::App* sub) {
    sub->add_option("--data", quiz.data_dir, "The learner's data folder (default ~/.local/share/perfloop)");
    sub->add_option("--at", quiz.at, "The time to act at, ISO-8601 with a zone (default now)");
    sub->add_flag("--json", quiz.json, "Print one JSON object");
  };
  auto* quiz_next = quiz_cmd->add_subcommand("next", "Print the next card the schedule gives");
  quiz_next->add_option("--kind", quiz.kind, "Only cards of this kind: classify, predict or enforce");
  quiz_next->add_option("--item", quiz.item, "A card for this item, KIND:FAMILY (e.g. predict:lock-bound)");
  quiz_common(quiz_next);
  auto* quiz_card = quiz_cmd->add_subcommand("card", "Print a card again from its id");
  quiz_card->add_option("id", quiz.card_id, "The card's id")->required();
  quiz_common(quiz_card);
  auto* quiz_answer = quiz_cmd->add_subcommand("answer", "Grade an answer to a card and log the review");
  quiz_answer->add_option("id", quiz.card_id, "The card's id")->required();
  quiz_answer->add_option("--answer", quiz.answer, "The answer: JSON text, or a file holding it")->required();
  quiz_answer->add_option("--rating", quiz.rating, "again, hard, good or easy (default: what the score suggests)");
  quiz_common(quiz_answer);
  auto* quiz_stats = quiz_cmd->add_subcommand("stats", "Print every item's schedule, retention and what is due");
  quiz_common(quiz_stats);

  perfloop::ui::GuiOptions gui;
  std::string gui_size;
  auto* gui_cmd = app.add_subcommand("gui", "Open the app (Dear ImGui); with --screenshot, write a PNG and exit");
  gui_cmd->add_option("--scenario", gui.scenario, "Scenario id or path to a .lua file (default: the last one played)");
  gui_cmd->add_option("--step", gui.step,
                      "Step to open: observe, profile, classify, predict, fix, verify, enforce, move_on (later steps need --answers),\n"
                      "or scenarios (the picker), home (the home screen, the default without --scenario), track, practise (the quiz)");
  gui_cmd->add_option("--answers", gui.answers,
                      "Answers file replayed up to --step (\"expert\": the expert's answers)");
  gui_cmd->add_option("--screenshot", gui.screenshot, "Write the window as PNG once the panel's data is computed (with --bench-frames: after the measured frames), then exit");
  gui_cmd->add_option("--size", gui_size, "Window size WIDTHxHEIGHT (default: the remembered size, first 1600x900)");
  gui_cmd->add_option("--seed", gui.seed, "Random seed")->check(whole_number);
  gui_cmd->add_option("--game", gui.game, "Start a game day on this scenario at once (the team's view; F9: the facilitator's)");
  gui_cmd->add_option("--team", gui.team, "With --game: the team's name");
  gui_cmd->add_option("--signals", gui.signals, "With --game: the signals shown, all or a list of metrics,logs,traces,profiles,rum");
  gui_cmd->add_option("--game-speed", gui.game_speed, "With --game: simulated seconds per second, 1, 2, 5, 10 or 30");
  gui_cmd->add_flag("--game-ack", gui.game_ack, "With --game: acknowledge the page as soon as it fires");
  gui_cmd->add_option("--game-until", gui.game_until_s, "With --game: pause the clock at this simulated second (screenshots)");
  gui_cmd->add_flag("--facilitator", gui.facilitator, "With --game: open the facilitator's panel");
  gui_cmd->add_option("--attempt", gui.attempt, "With --step debrief: the game-day attempt file to show");
  auto* gui_profile = gui_cmd->add_option("--profile", gui.profile,
                                          "Open a profile file (folded, speedscope or pprof) in the flame graph");
  gui_cmd->add_option("--against", gui.against, "With --profile: a second file to diff against")->needs(gui_profile);
  auto* gui_save = gui_cmd->add_option("--save", gui.save_dir, "Folder for graded attempts (default: the data folder's attempts/; \"none\": do not save)");
  gui_cmd->add_option("--data", gui.data_dir, "The learner's data folder (default ~/.local/share/perfloop)")->excludes(gui_save);
  gui_cmd->add_option("--settings", gui.settings_path, "Settings file (default ~/.config/perfloop/settings.json)");
  gui_cmd->add_option("--shot-dir", gui.shot_dir, "Folder F12 writes screenshots to (default: the current folder)");
  gui_cmd->add_option("--control-map", gui.control_map, "Write the named controls' window rectangles to this JSON file each frame they move");
  auto* bench_frames = gui_cmd->add_option("--bench-frames", gui.bench_frames,
                                           "Measure this many frames once the panel has settled, print frame times, exit")
                           ->check(CLI::Range(1, 1'000'000));
  gui_cmd->add_option("--bench-flame-nodes", gui.bench_flame_nodes, "With --bench-frames on profile: flame graph of at least this many nodes")
      ->check(CLI::Range(1, 1'000'000))
      ->needs(bench_frames);
  gui_cmd->add_flag("--bench-zoom", gui.bench_zoom, "With --bench-frames on profile: zoom the flame graph every frame")
      ->needs(bench_frames);
  gui_cmd->add_flag("--bench-pointer", gui.bench_pointer,
                    "With --bench-frames: sweep the pointer across the panel's main chart or flame graph, so every "
                    "frame's hover and tooltip change")
      ->needs(bench_frames);
  auto* bench_launch = gui_cmd->add_flag("--bench-launch", gui.bench_launch,
                                         "Time the launch: main() to the first frame, the first useful frame and "
                                         "everything computed; print them and exit");
  auto* bench_apply = gui_cmd->add_flag("--bench-apply", gui.bench_apply,
                                        "With --step fix and --answers: press Apply, go on to Verify when the run is "
                                        "done, print the times until Verify's figures are drawn, exit");
  gui_cmd->add_flag("--json", gui.json, "With a benchmark (--bench-frames, --bench-launch, --bench-apply): print one JSON object");
  bench_frames->excludes(bench_launch)->excludes(bench_apply);
  bench_launch->excludes(bench_apply);

  GameDayCommand gameday;
  auto* gameday_cmd = app.add_subcommand("gameday", "Replay a team's timed answers against the live incident (a game day)");
  gameday_cmd->add_option("scenario", gameday.scenario, "Scenario id or path to a .lua file")->required();
  gameday_cmd->add_option("--answers", gameday.answers,
                          "Answers file with at_s on each step (format in README.md), or a folder: one file per team, "
                          "the team named by its file, all graded together on every core")
      ->required();
  gameday_cmd->add_option("--team", gameday.team, "The team's name, as the scoreboard shows it (default: team)");
  gameday_cmd->add_option("--seed", gameday.seed, "Random seed; the same answers and seed give the same game")->check(whole_number);
  gameday_cmd->add_option("--signals", gameday.signals, "Signals the team had: all, or a list of metrics,logs,traces,profiles,rum");
  gameday_cmd->add_option("--param", gameday.params, "Override a scenario parameter, NAME=VALUE (repeatable)");
  gameday_cmd->add_option("--save", gameday.save_dir, "Also save the game as a new attempt file in this folder");
  gameday_cmd->add_flag("--json", gameday.json, "Print one JSON object: play's fields and the game's (schema in README.md)");

  ScoreboardCommand scoreboard;
  auto* scoreboard_cmd = app.add_subcommand("scoreboard", "Rank the game-day attempts in a folder");
  scoreboard_cmd->add_option("dir", scoreboard.dir, "Folder of attempt files")->required();
  scoreboard_cmd->add_flag("--json", scoreboard.json, "Print one JSON object");

  DebriefCommand debrief;
  auto* debrief_cmd = app.add_subcommand("debrief", "Write a game day's post-incident report (Markdown, with its chart as PNG)");
  debrief_cmd->add_option("source", debrief.source, "A game-day attempt file, or a folder of them")->required();
  debrief_cmd->add_option("--team", debrief.team, "Only this team's attempt");
  debrief_cmd->add_option("-o,--output", debrief.output, "The report's path (the chart goes beside it); - or none: standard output");

  ExportOptions exp;
  auto* export_cmd = app.add_subcommand("export", "Write a run's profile, traces or metrics in the format a real tool reads");
  export_cmd->add_option("scenario", exp.scenario, "Scenario id or path to a .lua file")->required();
  export_cmd->add_option("--what", exp.request.what, "profile, trace or metrics (default profile)");
  export_cmd->add_option("--format", exp.request.format,
                         "profile: folded, speedscope or pprof (default); trace: chrome (default) or otlp; metrics: openmetrics");
  export_cmd->add_option("-o,--output", exp.output, "The file to write (- for standard output)")->required();
  export_cmd->add_option("--endpoint", exp.request.endpoint, "Only this endpoint (a profile's default: the SLO's endpoint)");
  export_cmd->add_option("--stream", exp.request.stream, "With --what profile: cpu (default), alloc, offcpu or mutex")
      ->each([&](const std::string&) { exp.stream_given = true; });
  export_cmd->add_option("--from-s", exp.request.from_s, "Start of the window, seconds since the run began (default 0)")->check(CLI::Range(0.0, 1e7));
  export_cmd->add_option("--to-s", exp.request.to_s, "End of the window (default: the run's end)")->check(CLI::Range(0.0, 1e7));
  export_cmd->add_option("--fix", exp.request.fixes, "Apply a fix from the scenario's playbook at its fix time (repeatable)");
  export_cmd->add_option("--seed", exp.request.seed, "Random seed")->check(whole_number);
  export_cmd->add_option("--param", exp.params, "Override a scenario parameter, NAME=VALUE (repeatable)");
  export_cmd->add_option("--epoch", exp.epoch, "Wall-clock time of the run's start, ISO-8601 (default 2026-01-01T00:00:00Z)");

  ImportOptions imp;
  auto* import_cmd = app.add_subcommand("import", "Read a profile (folded, speedscope or pprof) and summarise what it shows");
  import_cmd->add_option("file", imp.file, "The profile file (pprof gzipped or not)")->required();
  import_cmd->add_flag("--json", imp.json, "Print one JSON object (schema in README.md)");
  import_cmd->add_option("--top", imp.top, "How many frames to list by self and total share (default 10)")->check(CLI::Range(1, 1000));

  BenchOptions bench;
  auto* bench_cmd = app.add_subcommand("bench", "Measure the engine against a bare event loop");
  bench_cmd->add_option("--requests", bench.requests, "Requests for the M/M/c comparison (at most what one run may simulate)")
      ->check(CLI::Range(1000, 20'000'000));
  bench_cmd->add_option("--quiz-cards", bench.quiz_cards, "Quiz cards to make and time, spread over every item (0: none)")
      ->check(CLI::Range(0, 10'000));
  bench_cmd->add_flag("--json", bench.json, "Print one JSON object");
  bench_cmd->add_flag("!--no-gui", bench.gui, "Leave out the app's figures (launch, zoom, Apply to Verify)");

  RecordsOptions records;
  auto* records_cmd = app.add_subcommand("records", "Export saved attempts, quiz reviews and game days as xAPI statements or CSV");
  records_cmd->add_option("--data", records.data_dir, "The learner's data folder (default ~/.local/share/perfloop)");
  records_cmd->add_option("--format", records.format, "xapi (a JSON array of xAPI 2.0 statements) or csv")
      ->required()
      ->check(CLI::IsMember({"xapi", "csv"}));
  records_cmd->add_option("-o,--output", records.output, "The file to write (atomically); - for standard output")->required();
  records_cmd->add_option("--learner", records.learner, "The learner's account name (default: $USER, else learner)");

  // CLI11 would only say "a subcommand is required"; name the word it did not know.
  if (argc > 1 && argv[1][0] != '-') {
    const auto known = app.get_subcommands([&](const CLI::App* sub) { return sub->check_name(argv[1]); });
    if (known.empty())
      return fail("unknown command " + perfloop::quote(argv[1], 60) + " (commands: simulate, solve, play, gameday, scoreboard, debrief, track, quiz, check, list, export, import, records, bench, gui)");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return fail(e.what());
  }
  try {
    if (*simulate) return run_simulate(sim);
    if (*bench_cmd) return run_bench(bench);
    if (*export_cmd) return run_export(exp);
    if (*import_cmd) return run_import(imp);
    if (*solve_cmd) return run_solve(solve);
    if (*gui_cmd) {
      if (!gui_size.empty()) {
        int w = 0, h = 0;
        char extra = 0;
        if (std::sscanf(gui_size.c_str(), "%dx%d%c", &w, &h, &extra) != 2 || w < 320 || h < 240 || w > 8192 || h > 8192)
          return fail("--size: expected WIDTHxHEIGHT from 320x240 to 8192x8192, got '" + gui_size + "'");
        gui.width = w;
        gui.height = h;
      }
      gui.launch_ns = entered_ns;
      return perfloop::ui::run_gui(gui);
    }
    if (*play_cmd) return run_play(play);
    if (*gameday_cmd) return run_gameday(gameday);
    if (*scoreboard_cmd) return run_scoreboard(scoreboard);
    if (*debrief_cmd) return run_debrief(debrief);
    if (*track_cmd) return run_track(track);
    if (*quiz_cmd) {
      quiz.action = *quiz_next ? "next" : *quiz_card ? "card" : *quiz_answer ? "answer" : "stats";
      return run_quiz(quiz);
    }
    if (*check) return run_check(check_files, check_simulate);
    if (*list) return run_list(list_json);
    if (*records_cmd) return run_records(records);
  } catch (const std::exception& e) {
    std::cerr << "perfloop: internal error: " << perfloop::terminal_line(e.what()) << "\n";
    return 3;
  }
  return 2;
}
