// The answers file: every malformed field is named by its path, and the
// expert's answers survive a round trip through JSON.
#include <catch2/catch.hpp>

#include "sim/loop/answers.h"
#include "test_support.h"

using namespace perfloop;
using nlohmann::json;

namespace {

const ScenarioBuild& checkout_build() {
  static ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/checkout-inventory-payload.lua"));
  static ScenarioBuild build = script.build(script.resolve({}));
  return build;
}

json good_answers() {
  return json::parse(R"({
    "format": "perfloop-answers", "version": 1, "scenario": "checkout-inventory-payload",
    "bottlenecks": [{
      "observe": {"endpoint": "/checkout", "metric": "p99", "onset_s": 1800, "side": "server", "seconds": 42},
      "profile": {"stream": "cpu", "from_s": 1800, "to_s": 5400, "hot_frame": "runtime.scanobject"},
      "classify": {"families": ["allocation-bound", "io-n-plus-1"]},
      "predict": {"share_pct": 20, "speedup": 10, "headline": 250, "go": true, "fix": "rollback"},
      "fix": {"id": "rollback"},
      "verify": {"hotspot_shrank": true, "headline_improved": true, "target_met": true},
      "move_on": {"resolved": true, "next_frame": "pgx.Query"}
    }],
    "enforce": {"gates": [{"id": "payload-contract", "threshold": 3}, {"id": "upstream-runbook"}]}
  })");
}

std::string error_of(const json& doc) {
  try {
    parse_answers(doc.dump(), "answers.json", "checkout-inventory-payload", checkout_build());
  } catch (const AnswersError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a complete answers file parses and round-trips", "[answers]") {
  const Answers a = parse_answers(good_answers().dump(), "answers.json", "checkout-inventory-payload", checkout_build());
  REQUIRE(a.bottlenecks.size() == 1);
  const auto& b = a.bottlenecks[0];
  CHECK(b.observe->seconds == 42.0);
  CHECK(b.profile->hot_frame == "runtime.scanobject");
  CHECK(b.classify->families.size() == 2);
  CHECK(b.predict->fix == "rollback");
  CHECK(b.predict->speedup == 10.0);
  CHECK(b.fix->id == "rollback");
  CHECK(b.move_on->next_frame == "pgx.Query");
  REQUIRE(a.enforce);
  CHECK(a.enforce->gates.size() == 2);
  CHECK(*a.enforce->gates[0].threshold == 3.0);
  CHECK_FALSE(a.enforce->gates[1].threshold);
  const json again = answers_to_json(a);
  CHECK(again == good_answers());
}

TEST_CASE("partial answers parse: a run stopped after Profile", "[answers]") {
  json doc = good_answers();
  for (const char* step : {"classify", "predict", "fix", "verify", "move_on"}) doc["bottlenecks"][0].erase(step);
  doc.erase("enforce");
  const Answers a = parse_answers(doc.dump(), "answers.json", "checkout-inventory-payload", checkout_build());
  CHECK(a.bottlenecks[0].profile);
  CHECK_FALSE(a.bottlenecks[0].classify);
  CHECK_FALSE(a.enforce);
}

TEST_CASE("a malformed answers file is named by file and field path", "[answers][errors]") {
  json doc = good_answers();
  doc["bottlenecks"][0]["predict"].erase("go");
  CHECK(error_of(doc) == "answers.json: bottlenecks[1].predict.go: missing");

  doc = good_answers();
  doc["bottlenecks"][0]["predict"]["go"] = "yes";
  CHECK(error_of(doc) == "answers.json: bottlenecks[1].predict.go: must be true or false, got a string");

  doc = good_answers();
  doc["bottlenecks"][0]["fix"]["id"] = "restart";
  CHECK_THAT(error_of(doc), Catch::StartsWith("answers.json: bottlenecks[1].fix.id: must be one of ") &&
                                Catch::Contains("rollback") && Catch::EndsWith("got \"restart\""));

  doc = good_answers();
  doc["bottlenecks"][0]["observe"]["onset"] = 1800;
  CHECK_THAT(error_of(doc), Catch::StartsWith("answers.json: bottlenecks[1].observe.onset: unknown field"));

  doc = good_answers();
  doc["bottlenecks"][0]["classify"]["families"] = json::array({"gc-bound"});
  CHECK_THAT(error_of(doc), Catch::StartsWith("answers.json: bottlenecks[1].classify.families[1]: must be one of"));

  doc = good_answers();
  doc["bottlenecks"][0]["profile"]["to_s"] = 100;
  CHECK(error_of(doc) == "answers.json: bottlenecks[1].profile.to_s: must be after from_s");

  doc = good_answers();
  doc["bottlenecks"][0]["predict"]["share_pct"] = 140;
  CHECK(error_of(doc) == "answers.json: bottlenecks[1].predict.share_pct: must be from 0 to 100, got 140");

  doc = good_answers();
  doc["enforce"]["gates"][1]["id"] = "payload-contract";
  CHECK(error_of(doc) == "answers.json: enforce.gates[2].id: gate \"payload-contract\" is chosen twice");

  doc = good_answers();
  doc["version"] = 2;
  CHECK(error_of(doc) == "answers.json: version: this perfloop reads version 1, got 2");

  doc = good_answers();
  doc["scenario"] = "orders-n-plus-1";
  CHECK_THAT(error_of(doc), Catch::StartsWith("answers.json: scenario: the answers are for \"orders-n-plus-1\""));

  doc = good_answers();
  doc["bottlenecks"].push_back(doc["bottlenecks"][0]);
  CHECK(error_of(doc) == "answers.json: bottlenecks: has 2 entries but the scenario has 1 bottleneck");

  doc = good_answers();
  doc.erase("version");
  CHECK(error_of(doc) == "answers.json: version: missing");
}

TEST_CASE("invalid JSON names the line", "[answers][errors]") {
  const std::string text = "{\n  \"version\": 1,\n  \"scenario\": \"checkout-inventory-payload\",\n  \"bottlenecks\": [,]\n}\n";
  try {
    parse_answers(text, "answers.json", "checkout-inventory-payload", checkout_build());
    FAIL("no error");
  } catch (const AnswersError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("answers.json:4: not valid JSON"));
  }
}
