// The CLI as a user meets it: exit codes and one-line errors for bad input,
// and the JSON schema the README documents.
#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <unistd.h>

#include "cli_runner.h"
#include "scenario_variant.h"

using nlohmann::json;

using perfloop::test::run_cli;

TEST_CASE("simulate --json prints the documented schema", "[cli]") {
  const auto r = run_cli("simulate mmc --param requests=20000 --seed 5 --json");
  REQUIRE(r.status == 0);
  const json j = json::parse(r.out);
  CHECK(j["scenario"] == "mmc");
  CHECK(j["seed"] == 5);
  CHECK(j["params"]["requests"] == 20000.0);
  REQUIRE(j["phases"].size() == 1);
  const auto& p = j["phases"][0];
  CHECK(p["name"] == "steady");
  for (const char* key : {"requests", "rps", "mean_ms", "p50_ms", "p99_ms", "error_rate", "lcp_p75_ms", "spans", "profile_cpu"})
    CHECK(p["endpoints"]["/work"].contains(key));
  CHECK(p["endpoints"]["/work"]["profile_cpu"][0]["frame"] == "work");
  CHECK(j["events"].is_array());
  CHECK(j["perf"]["requests"].get<double>() > 15000);
}

TEST_CASE("the readable summary names phases, percentiles and events", "[cli]") {
  const auto r = run_cli("simulate checkout-inventory-payload --param duration_s=900 --param deploy_at_s=300 --fix rollback "
                         "--param fix_at_s=600");
  REQUIRE(r.status == 0);
  for (const char* text : {"== baseline", "== incident", "== after_fix", "/checkout", "p99", "deploy", "inventory-service"})
    CHECK(r.out.find(text) != std::string::npos);
}

TEST_CASE("bad input exits 2 with one line naming the problem", "[cli]") {
  struct Case {
    const char* args;
    const char* expect;
  };
  const Case cases[] = {
      {"simulate mmc --param nope=1", "nope"},
      {"simulate mmc --param lambda=abc", "lambda"},
      {"simulate mmc --param lambda", "NAME=VALUE"},
      {"simulate mmc --param lambda=-5", "lambda"},
      {"simulate mmc --fix nope", "unknown fix 'nope'"},
      {"simulate no-such-scenario", "no-such-scenario"},
      {"simulate", "scenario"},
      {"simulate mmc --seed -1", "seed"},
      {"frobnicate", "frobnicate"},
      {"simulate tests/scenarios/cli_syntax_error.lua", "cli_syntax_error.lua:3:"},
  };
  for (const auto& c : cases) {
    const auto r = run_cli(c.args);
    INFO(c.args << " -> status " << r.status << ", stderr: " << r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(c.expect) != std::string::npos);
    CHECK(r.err.rfind("perfloop: ", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

TEST_CASE("solve prints answers that play grades at the top", "[cli][loop]") {
  const auto solved = run_cli("solve orders-n-plus-1 --seed 2");
  REQUIRE(solved.status == 0);
  const json answers = json::parse(solved.out);
  CHECK(answers["version"] == 1);
  CHECK(answers["scenario"] == "orders-n-plus-1");
  const std::string file = "/tmp/perfloop-cli-test-answers-" + std::to_string(::getpid()) + ".json";
  std::ofstream(file) << solved.out;
  const std::string saves = "/tmp/perfloop-cli-test-saves-" + std::to_string(::getpid());
  std::filesystem::remove_all(saves);
  const auto played = run_cli("play orders-n-plus-1 --seed 2 --json --answers " + file + " --save " + saves);
  REQUIRE(played.status == 0);
  const json r = json::parse(played.out);
  CHECK(r["scenario"] == "orders-n-plus-1");
  CHECK(r["seed"] == 2);
  CHECK(r["total"].get<double>() >= 95.0);
  CHECK(r["complete"] == true);
  REQUIRE(r["steps"].size() == 8);
  const char* order[] = {"observe", "profile", "classify", "predict", "fix", "verify", "enforce", "move_on"};
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(r["steps"][i]["step"] == order[i]);
    CHECK(r["steps"][i]["score"].get<double>() <= r["steps"][i]["max"].get<double>());
    CHECK_FALSE(r["steps"][i]["feedback"].get<std::string>().empty());
  }
  for (const char* key : {"predicted_ms", "actual_ms", "error_pct", "amdahl_speedup"}) CHECK(r["prediction"].contains(key));
  CHECK(std::filesystem::exists(saves + "/attempt-orders-n-plus-1-1.json"));
  CHECK_THAT(played.err, Catch::Contains("saved " + saves + "/attempt-orders-n-plus-1-1.json"));
  std::filesystem::remove_all(saves);
}

TEST_CASE("play grades a folder of answers in one batch, each as play grades it alone", "[cli][loop]") {
  const std::string dir = "/tmp/perfloop-cli-test-class-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto solved = run_cli("solve orders-n-plus-1");
  REQUIRE(solved.status == 0);
  json expert = json::parse(solved.out);
  std::ofstream(dir + "/a-expert.json") << expert.dump();
  json wrong = expert;
  wrong["bottlenecks"][0]["classify"]["families"] = {"lock-bound"};
  std::ofstream(dir + "/b-wrong-family.json") << wrong.dump();
  json partial = expert;
  partial["bottlenecks"][0].erase("enforce");
  partial["bottlenecks"][0].erase("move_on");
  std::ofstream(dir + "/c-partial.json") << partial.dump();
  std::ofstream(dir + "/notes.txt") << "not answers";  // only *.json files are graded

  const auto batch = run_cli("play orders-n-plus-1 --json --answers " + dir);
  INFO(batch.err);
  REQUIRE(batch.status == 0);
  const json out = json::parse(batch.out);
  REQUIRE(out["results"].size() == 3);
  CHECK(out["problems"].empty());
  std::set<double> totals;
  for (const auto& r : out["results"]) {
    const std::string file = r["file"];
    const auto alone = run_cli("play orders-n-plus-1 --json --answers " + file);
    REQUIRE(alone.status == 0);
    INFO(file);
    CHECK(json::parse(alone.out) == r["result"]);  // the same grading, to the last field
    totals.insert(r["result"]["total"].get<double>());
  }
  CHECK(totals.size() == 3);  // three different answers, three different scores
  CHECK(out["results"][0]["file"] == dir + "/a-expert.json");  // by name

  // A file that cannot be read is named; the others are still graded; the status says so.
  std::ofstream(dir + "/d-broken.json") << "{\"version\": ";
  const auto with_broken = run_cli("play orders-n-plus-1 --answers " + dir);
  CHECK(with_broken.status == 2);
  CHECK_THAT(with_broken.err, Catch::Contains(dir + "/d-broken.json"));
  CHECK_THAT(with_broken.out, Catch::Contains("a-expert.json"));
  CHECK_THAT(with_broken.out, Catch::Contains("c-partial.json"));
  const auto empty = run_cli("play orders-n-plus-1 --answers " + dir + "/nothing-here-" + std::to_string(::getpid()));
  CHECK(empty.status == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("play rejects a malformed answers file with its field path and status 2", "[cli][loop][errors]") {
  const std::string file = "/tmp/perfloop-cli-test-bad-answers-" + std::to_string(::getpid()) + ".json";
  std::ofstream(file) << R"({"version": 1, "scenario": "orders-n-plus-1", "bottlenecks": [{"fix": {}}]})";
  const auto r = run_cli("play orders-n-plus-1 --answers " + file);
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "perfloop: " + file + ": bottlenecks[1].fix.id: missing\n");
  const auto missing = run_cli("play orders-n-plus-1 --answers /nonexistent/answers.json");
  CHECK(missing.status == 2);
  CHECK(missing.err == "perfloop: /nonexistent/answers.json: cannot read the answers file: no such file\n");
}

namespace {

// A scratch folder of this process's own.
std::string scratch(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("perfloop-cli-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace

TEST_CASE("check --simulate exits 2 with one line per false claim, and ok with what it proved", "[cli][claims]") {
  // The tutorial with one line changed: its "elsewhere" cache makes the query ten times slower.
  const std::string dir = scratch("claims");
  const std::string file = dir + "/tutorial-first-page.lua";
  std::ofstream(file) << perfloop::test::one_line_changed("scenarios/tutorial-first-page.lua",
                                                          "set = { db_ms = p.db_ms / 3 } },", "set = { db_ms = p.db_ms * 10 } },");
  const auto broken = run_cli("check --simulate " + file);
  INFO(broken.err);
  CHECK(broken.status == 2);
  CHECK(broken.out.empty());
  CHECK_THAT(broken.err, Catch::Matches(
                             file + ": fixes\\.cache_invoice\\.touches \"elsewhere\": a fix off the critical path moves "
                                    "GET /invoice p99 \\(bottlenecks\\[1\\] \"locale-per-call\"\\) by less than 10%, but it "
                                    "takes GET /invoice p99 from \\d+\\.\\d ms to \\d+\\.\\d ms \\(\\d+% worse\\)\n"));

  // A sound file says so, and what was proven; the broken one still fails the whole run.
  const auto both = run_cli("check --simulate scenarios/tutorial-first-page.lua " + file);
  CHECK(both.status == 2);
  CHECK_THAT(both.out, Catch::Matches("ok   scenarios/tutorial-first-page\\.lua\n     proved 1 onset, 1 hot spot, .* "
                                      "1 expert score \\(\\d+ claims\\)\n"));
  CHECK(both.err == broken.err);
  // Plain check only builds: the broken claim is not its business.
  const auto plain = run_cli("check " + file);
  CHECK(plain.status == 0);
  CHECK(plain.out == "ok   " + file + "\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a scenario file not named after its id: check refuses it, list warns", "[cli][catalogue]") {
  const std::string dir = scratch("id");
  std::filesystem::copy_file(perfloop::test::source_path("scenarios/tutorial-first-page.lua"), dir + "/first-page.lua");
  const auto checked = run_cli("check " + dir + "/first-page.lua");
  CHECK(checked.status == 2);
  CHECK(checked.err == dir + "/first-page.lua: id: is \"tutorial-first-page\" but the file is named \"first-page.lua\": "
                             "lookups by id look for \"tutorial-first-page.lua\" and do not find it; name the file after "
                             "the id\n");
  const auto listed = run_cli("list --json", "PERFLOOP_SCENARIOS=" + dir + " ");
  CHECK(listed.status == 0);
  CHECK(json::parse(listed.out).size() == 1);  // still listed: it loads
  CHECK(listed.err == "perfloop: warning: " + dir + "/first-page.lua: id: is \"tutorial-first-page\" but the file is "
                                                   "named \"first-page.lua\": lookups by id look for "
                                                   "\"tutorial-first-page.lua\" and do not find it; name the file after "
                                                   "the id\n");
  std::filesystem::remove_all(dir);
}
