// Game days: the live run (a fix lands when the team applies it, the page,
// recovery), the headless replay, the scoreboard's order and the debrief.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/gameday/debrief.h"
#include "sim/gameday/gameday_replay.h"
#include "sim/gameday/scoreboard.h"
#include "sim/loop/attempt_store.h"
#include "sim/loop/loop_expert.h"
#include "tests/cli_runner.h"
#include "tests/test_support.h"

using namespace perfloop;
using namespace perfloop::test;

namespace {

constexpr const char* kCheckout = "scenarios/checkout-inventory-payload.lua";

// The expert's answers, timed: the steps before the fix in the ten minutes
// before it, the rest after it.
Answers timed_expert(ScenarioScript& script, double fix_s) {
  LoopSession session(script, {}, 1);
  Answers a = expert_answers(session, script.id());
  auto& b = a.bottlenecks.at(0);
  b.observe->at_s = fix_s - 600;
  b.profile->at_s = fix_s - 480;
  b.classify->at_s = fix_s - 360;
  b.predict->at_s = fix_s - 240;
  b.fix->at_s = fix_s;
  b.verify->at_s = fix_s + 420;
  b.move_on->at_s = fix_s + 480;
  a.enforce->at_s = fix_s + 600;
  return a;
}

std::string temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("perfloop-gameday-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

}  // namespace

TEST_CASE("the expert's fix lands when given, recovery follows within minutes, and the earlier fix has the shorter MTTR",
          "[gameday]") {
  ScenarioScript script = ScenarioScript::load(source_path(kCheckout));
  GameDayOptions options;
  options.team = "early";
  const GameDayResult early = replay_gameday(script, timed_expert(script, 3000), "early.json", options);
  options.team = "late";
  const GameDayResult late = replay_gameday(script, timed_expert(script, 4800), "late.json", options);
  for (const auto* r : {&early, &late}) {
    const GameRecord& g = r->record;
    // The seed's burn-rate alert pages at 47:40, twenty minutes after the deploy at 30:00.
    REQUIRE(g.page_s);
    CHECK(*g.page_s == Approx(2860.0));
    REQUIRE(g.fixes.size() == 1);
    CHECK(g.fixes[0].id == "rollback");
    CHECK(g.fixes[0].right);
    REQUIRE(g.recovered_s);
    // Back within the 500 ms target within a few simulated minutes of the rollback.
    CHECK(*g.recovered_s > g.fixes[0].at_s);
    CHECK(*g.recovered_s - g.fixes[0].at_s <= 180.0);
    CHECK(r->play.total >= 90.0);
  }
  CHECK(early.record.fixes[0].at_s == 3000.0);
  CHECK(late.record.fixes[0].at_s == 4800.0);
  REQUIRE(early.record.mttr_s());
  REQUIRE(late.record.mttr_s());
  CHECK(*early.record.mttr_s() < *late.record.mttr_s());
  CHECK(*late.record.mttr_s() - *early.record.mttr_s() == Approx(1800.0).margin(60.0));
  // Time to detect: page to acknowledgement (Observe's answer at fix - 10 min).
  REQUIRE(late.record.detect_s());
  CHECK(*late.record.detect_s() == Approx(4200.0 - 2860.0));
  // Every step's answer and the fix are on the timeline, in time order.
  int answers = 0;
  for (std::size_t i = 0; i < late.record.timeline.size(); ++i) {
    answers += late.record.timeline[i].kind == "answer";
    if (i) CHECK(late.record.timeline[i - 1].t_s <= late.record.timeline[i].t_s);
  }
  CHECK(answers == 7);  // the fix is the live run's entry, not an answer's

  SECTION("the same answers and seed give the same game") {
    options.team = "early";
    const GameDayResult again = replay_gameday(script, timed_expert(script, 3000), "early.json", options);
    CHECK(gameday_result_json(again).dump() == gameday_result_json(early).dump());
  }
}

TEST_CASE("a wrong fix never recovers, and a right one after it does", "[gameday]") {
  ScenarioScript script = ScenarioScript::load(source_path(kCheckout));
  for (const char* wrong : {"tune_gc", "faster_json", "scale_inventory"}) {
    INFO(wrong);
    LiveRun live(script, {}, 1);
    live.advance_to(s_to_ns(3300));
    live.apply_fix(0, wrong);
    live.advance_to(live.horizon());
    CHECK_FALSE(live.recovered().has_value());
    REQUIRE(live.fixes().size() == 1);
    CHECK_FALSE(live.fixes()[0].right);
  }
  LiveRun live(script, {}, 1);
  live.advance_to(s_to_ns(3300));
  live.apply_fix(0, "faster_json");
  live.advance_to(s_to_ns(3900));
  CHECK_FALSE(live.recovered().has_value());
  live.apply_fix(0, "rollback");  // takes the wrong one's place
  live.advance_to(s_to_ns(4500));
  REQUIRE(live.recovered().has_value());
  CHECK(ns_to_s(static_cast<double>(*live.recovered())) > 3900.0);
  CHECK(live.fixes().size() == 2);
}

TEST_CASE("recovery needs the rolling headline within target for five minutes", "[gameday]") {
  // Windows of 10 s with 100 requests each at a set latency.
  auto window = [](int i, double ms) {
    WindowStats w;
    w.start = s_to_ns(10.0 * i);
    w.end = s_to_ns(10.0 * (i + 1));
    LogHistogram h;
    for (int r = 0; r < 100; ++r) h.add(ms_to_ns(ms));
    w.endpoints.resize(1);
    w.endpoints[0].completed = 100;
    w.endpoints[0].latency_ns = SparseHistogram(h);
    return w;
  };
  std::vector<WindowStats> windows;
  RecoveryWatch watch({{0, "p99", 500.0}});
  for (int i = 0; i < 30; ++i) windows.push_back(window(i, 900.0));
  watch.update(windows);
  CHECK_FALSE(watch.armed());
  watch.arm(s_to_ns(300));
  // Fast from 300 s: the rolling minute is within target once it holds no slow window (360 s).
  for (int i = 30; i < 50; ++i) windows.push_back(window(i, 200.0));
  // One slow window at 500 s breaks the hold.
  windows.push_back(window(50, 900.0));
  for (int i = 51; i < 120; ++i) windows.push_back(window(i, 200.0));
  watch.update(windows);
  REQUIRE(watch.recovered());
  // Within target again from the window ending at 570 s (its minute no longer holds the slow window).
  CHECK(ns_to_s(static_cast<double>(*watch.recovered())) == Approx(570.0));
  CHECK(rolling_headline(windows, 40, {0, "p99", 500.0}) == Approx(200.0).epsilon(0.01));
  CHECK(std::isnan(rolling_headline(windows, 40, {3, "p99", 500.0})));
}

TEST_CASE("timed answers: at_s, tried fixes and the acknowledgement are read, checked and written back", "[gameday]") {
  ScenarioScript script = ScenarioScript::load(source_path(kCheckout));
  const ScenarioBuild build = script.build(script.resolve({}));
  const std::string text = R"({"format":"perfloop-answers","version":1,"scenario":"checkout-inventory-payload","ack_s":2900,
    "bottlenecks":[{"fix":{"id":"rollback","at_s":3600,"tried":[{"id":"tune_gc","at_s":3100}]},
                    "observe":{"endpoint":"/checkout","metric":"p99","onset_s":1800,"side":"server","at_s":2950}}]})";
  const Answers a = parse_answers(text, "a.json", script.id(), build);
  CHECK(a.ack_s == 2900.0);
  CHECK(a.bottlenecks[0].observe->at_s == 2950.0);
  REQUIRE(a.bottlenecks[0].fix->tried.size() == 1);
  CHECK(a.bottlenecks[0].fix->tried[0].id == "tune_gc");
  CHECK(parse_answers(answers_to_json(a).dump(), "b.json", script.id(), build).bottlenecks[0].fix->tried[0].at_s == 3100.0);
  auto error_of = [&](const std::string& t) {
    try {
      parse_answers(t, "bad.json", script.id(), build);
    } catch (const AnswersError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error_of(R"({"version":1,"scenario":"checkout-inventory-payload","bottlenecks":[{"fix":{"id":"rollback","at_s":-1}}]})"),
             Catch::Contains("bottlenecks[1].fix.at_s"));
  CHECK_THAT(error_of(R"({"version":1,"scenario":"checkout-inventory-payload","bottlenecks":[{"fix":{"id":"rollback","at_s":3000,
               "tried":[{"id":"tune_gc","at_s":3500}]}}]})"),
             Catch::Contains("bottlenecks[1].fix.at_s"));
  CHECK_THAT(error_of(R"({"version":1,"scenario":"checkout-inventory-payload","bottlenecks":[{"fix":{"id":"rollback","at_s":3000,
               "tried":[{"id":"nope","at_s":2500}]}}]})"),
             Catch::Contains("bottlenecks[1].fix.tried[1].id"));
  // A game day needs the fix's moment; one past the run's end is refused by name.
  Answers untimed = a;
  untimed.bottlenecks[0].fix->at_s = -1;
  CHECK_THROWS_WITH(replay_gameday(script, untimed, "u.json", {}), Catch::Contains("bottlenecks[1].fix.at_s: missing"));
  Answers late = a;
  late.bottlenecks[0].fix->at_s = 9000;
  CHECK_THROWS_WITH(replay_gameday(script, late, "l.json", {}), Catch::Contains("the game ends at 2:00:00"));
  Answers early = a;
  early.bottlenecks[0].fix->tried.clear();
  early.bottlenecks[0].fix->at_s = 1000;
  CHECK_THROWS_WITH(replay_gameday(script, early, "e.json", {}), Catch::Contains("before the symptom starts"));
}

TEST_CASE("signal sets parse, refuse unknown or missing metrics, and print in a fixed order", "[gameday]") {
  CHECK(parse_signal_set("all").all());
  const SignalSet s = parse_signal_set("logs,metrics");
  CHECK(s.metrics);
  CHECK(s.logs);
  CHECK_FALSE(s.traces);
  CHECK(signal_list(s) == "metrics,logs");
  CHECK(hidden_signals(s) == "traces, profiles, rum");
  CHECK_THROWS_WITH(parse_signal_set("metrics,trace"), Catch::Contains("'trace' is not a signal"));
  CHECK_THROWS_WITH(parse_signal_set("logs"), Catch::Contains("metrics cannot be hidden"));
  CHECK_THROWS_WITH(parse_signal_set("metrics,,logs"), Catch::Contains("empty item"));
  CHECK_THROWS_WITH(parse_signal_set("metrics,logs,logs"), Catch::Contains("twice"));
}

TEST_CASE("the scoreboard ranks by total, then by MTTR, never-recovered last, one board per signal set", "[gameday]") {
  auto result = [](const std::string& team, double total, std::optional<double> recovered, const std::string& signals) {
    GameRecord r;
    r.team = team;
    r.signals = parse_signal_set(signals);
    r.page_s = 1000.0;
    r.ack_s = 1100.0;
    r.recovered_s = recovered;
    r.end_s = 3000.0;
    r.fixes.push_back({0, "rollback", "Roll back", 1500.0, -1.0, recovered.has_value()});
    nlohmann::json j = game_record_json(r);
    j["scenario"] = "checkout-inventory-payload";
    j["seed"] = 1;
    j["total"] = total;
    j["grade"] = "solid";
    j["params"] = nlohmann::json::object();
    return j;
  };
  ScoreboardReport report;
  add_to_scoreboard(report, "a.json", result("amber", 80.0, 2000.0, "all"));
  add_to_scoreboard(report, "b.json", result("blue", 80.04, 1400.0, "all"));   // same printed total, faster
  add_to_scoreboard(report, "c.json", result("cyan", 92.0, std::nullopt, "all"));
  add_to_scoreboard(report, "d.json", result("dusk", 80.0, std::nullopt, "all"));
  add_to_scoreboard(report, "e.json", result("blue", 60.0, 1200.0, "all"));    // blue's worse attempt
  add_to_scoreboard(report, "f.json", result("echo", 99.0, 1300.0, "metrics,logs"));
  add_to_scoreboard(report, "g.json", nlohmann::json{{"scenario", "x"}, {"total", 10}});  // the loop's attempt
  nlohmann::json broken = result("fox", 50.0, 1200.0, "all");
  broken["signals"] = "everything";
  add_to_scoreboard(report, "h.json", broken);
  rank_scoreboard(report);
  REQUIRE(report.boards.size() == 2);
  const auto& all = report.boards[1].signals == "metrics,logs,traces,profiles,rum" ? report.boards[1] : report.boards[0];
  REQUIRE(all.rows.size() == 4);
  CHECK(all.rows[0].team == "cyan");   // highest total, even without recovering
  CHECK(all.rows[1].team == "blue");   // ties amber on 80.0, recovered sooner
  CHECK(all.rows[1].attempts == 2);
  CHECK(all.rows[1].file == "b.json");
  CHECK(all.rows[2].team == "amber");
  CHECK(all.rows[3].team == "dusk");   // 80.0, never recovered
  CHECK(all.rows[3].rank == 4);
  CHECK(report.other_attempts == 1);
  REQUIRE(report.problems.size() == 1);
  CHECK_THAT(report.problems[0], Catch::Contains("h.json") && Catch::Contains("signals"));
}

TEST_CASE("gameday grades a folder of teams together, each as gameday grades it alone", "[gameday][cli]") {
  ScenarioScript script = ScenarioScript::load(source_path(kCheckout));
  const std::string dir = temp_dir("teams");
  std::filesystem::create_directories(dir + "/answers");
  auto write = [&](const std::string& name, const Answers& a) {
    std::ofstream(dir + "/answers/" + name) << answers_to_json(a).dump();
  };
  write("Falcons.json", timed_expert(script, 3000));
  write("Owls.json", timed_expert(script, 4800));
  Answers wrong = timed_expert(script, 4800);
  wrong.bottlenecks[0].fix->id = "tune_gc";
  write("Crows.json", wrong);
  const std::string save = dir + "/attempts";
  const auto batch = run_cli("gameday checkout-inventory-payload --answers " + dir + "/answers --json --save " + save);
  INFO(batch.err);
  REQUIRE(batch.status == 0);
  const auto out = nlohmann::json::parse(batch.out);
  REQUIRE(out["results"].size() == 3);
  CHECK(out["problems"].empty());
  const char* order[] = {"Crows", "Falcons", "Owls"};  // by file name
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& r = out["results"][i];
    CHECK(r["result"]["team"] == order[i]);
    const auto alone = run_cli("gameday checkout-inventory-payload --json --answers " + r["file"].get<std::string>() +
                               " --team " + order[i]);
    REQUIRE(alone.status == 0);
    CHECK(nlohmann::json::parse(alone.out) == r["result"]);  // the same game, to the last field
  }
  // The three saved games make the scoreboard the one-by-one games make.
  const auto board = run_cli("scoreboard " + save + " --json");
  REQUIRE(board.status == 0);
  const auto teams = nlohmann::json::parse(board.out)["boards"][0]["teams"];
  REQUIRE(teams.size() == 3);
  CHECK(teams[2]["team"] == "Crows");

  // A team file that cannot be read is named, the others still graded.
  std::ofstream(dir + "/answers/Hawks.json") << "[";
  const auto broken = run_cli("gameday checkout-inventory-payload --answers " + dir + "/answers");
  CHECK(broken.status == 2);
  CHECK_THAT(broken.err, Catch::Contains("Hawks.json"));
  CHECK_THAT(broken.out, Catch::Contains("team Owls"));
  CHECK(run_cli("gameday checkout-inventory-payload --answers " + dir + "/answers --team Kites").status == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("gameday, scoreboard and debrief from the command line: three teams, one report", "[gameday][cli]") {
  ScenarioScript script = ScenarioScript::load(source_path(kCheckout));
  const std::string dir = temp_dir("cli");
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const Answers& a) {
    std::ofstream(dir + "/" + name) << answers_to_json(a).dump();
    return dir + "/" + name;
  };
  const std::string fast = write("fast.json", timed_expert(script, 3000));
  const std::string slow = write("slow.json", timed_expert(script, 4800));
  Answers wrong = timed_expert(script, 4800);
  wrong.bottlenecks[0].fix->id = "tune_gc";
  const std::string wrong_file = write("wrong.json", wrong);
  const std::string save = dir + "/attempts";
  const auto a = run_cli("gameday checkout-inventory-payload --answers " + fast + " --team Falcons --save " + save + " --json");
  REQUIRE(a.status == 0);
  const auto result = nlohmann::json::parse(a.out);
  CHECK(result["page_s"] == 2860.0);
  CHECK(result["fix_s"] == 3000.0);
  CHECK(result["recovered_s"].is_number());
  CHECK(result["mttr_s"].get<double>() == Approx(result["recovered_s"].get<double>() - 2860.0));
  CHECK(result["team"] == "Falcons");
  CHECK(result["timeline"].size() > 10);
  CHECK(result["params"].empty());  // the fix's moment is not a parameter the team chose
  REQUIRE(run_cli("gameday checkout-inventory-payload --answers " + slow + " --team Owls --save " + save).status == 0);
  REQUIRE(run_cli("gameday checkout-inventory-payload --answers " + wrong_file + " --team Crows --save " + save).status == 0);
  const auto board = run_cli("scoreboard " + save + " --json");
  REQUIRE(board.status == 0);
  const auto teams = nlohmann::json::parse(board.out)["boards"][0]["teams"];
  REQUIRE(teams.size() == 3);
  // The two rollbacks score alike and rank above the wrong fix; the wrong fix never recovered.
  CHECK(teams[2]["team"] == "Crows");
  CHECK(teams[2]["mttr_s"].is_null());
  CHECK(teams[2]["wrong_fixes"] == 1);
  for (int i = 0; i < 2; ++i) CHECK(teams[i]["total"].get<double>() >= teams[i + 1]["total"].get<double>());
  const auto report = run_cli("debrief " + save + " --team Owls -o " + dir + "/report.md");
  REQUIRE(report.status == 0);
  std::ifstream in(dir + "/report.md");
  const std::string md((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(md, Catch::Contains("## Timeline"));
  CHECK_THAT(md, Catch::Contains("| 1:20:00 | Fix |"));
  CHECK_THAT(md, Catch::Contains("| 0:47:40 | Page |"));
  CHECK_THAT(md, Catch::Contains("MTTR (page to recovery) | 0:3"));
  CHECK_THAT(md, Catch::Contains("## Predictions against outcomes"));
  CHECK_THAT(md, Catch::Contains("## Action items"));
  CHECK_THAT(md, Catch::Contains("![/checkout p99 over the game](report.png)"));
  CHECK(std::filesystem::file_size(dir + "/report.png") > 10000);
  // Bad input: exit 2, naming what is wrong.
  const auto bad_signals = run_cli("gameday checkout-inventory-payload --answers " + fast + " --signals metrics,pcap");
  CHECK(bad_signals.status == 2);
  CHECK_THAT(bad_signals.err, Catch::Contains("'pcap' is not a signal"));
  CHECK(run_cli("debrief " + dir + "/nothing.json -o " + dir + "/x.md").status == 2);
  CHECK(run_cli("debrief " + save + " --team Nobody").status == 2);
  std::filesystem::remove_all(dir);
}
