// What `perfloop check --simulate` proves (sim/loop/scenario_claims.h):
// every catalogue scenario's claims hold, one test case per scenario so
// they run in parallel; and a false claim, made by changing one line of a
// real scenario, is refused with a line that names its field.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "scenario_variant.h"
#include "sim/loop/scenario_claims.h"
#include "sim/scenarios/catalogue.h"
#include "test_support.h"

using namespace perfloop;

namespace {

// Every catalogue scenario, each with a test case of its own below.
const std::vector<std::string> kCatalogue = {
    "assembly-rewrite-trap", "bea-sven-quarter",       "cache-pointer-chasing", "checkout-inventory-payload",
    "cpu-quadratic-loop",    "jit-unstable-shapes",    "lock-global-mutex",     "observer-effect",
    "orders-n-plus-1",       "pool-exhaustion",        "process-order-gc",      "search-regex-per-request",
    "syscall-unbuffered-writes", "third-party-bundle", "tutorial-first-page"};

void check_catalogue_claims(const std::string& id) {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/" + id + ".lua"));
  const std::vector<ClaimResult> claims = prove_claims(script);
  for (const auto& c : claims) {
    INFO(id << ": " << claim_line(c));
    CHECK(c.ok);
  }
  // Something of each part was proven.
  std::set<std::string> kinds;
  for (const auto& c : claims) kinds.insert(c.kind);
  for (const char* kind : {"onset", "hot spot", "right fix", "smaller hot spot", "wrong fix", "elsewhere fix",
                           "future change", "gated regression", "expert score"})
    CHECK(kinds.count(kind) == 1);
}

// The claims of a catalogue scenario with one line changed, run from memory
// under the scenario's own file name.
std::vector<ClaimResult> variant_claims(const std::string& id, const std::string& from, const std::string& to) {
  const std::string file = "scenarios/" + id + ".lua";
  ScenarioScript script = ScenarioScript::from_text(test::one_line_changed(file, from, to), test::source_path(file));
  return prove_claims(script);
}

// The fields of the false claims, each line shown when a check fails.
std::vector<std::string> false_fields(const std::vector<ClaimResult>& claims) {
  std::vector<std::string> fields;
  for (const auto& c : claims)
    if (!c.ok) {
      UNSCOPED_INFO(claim_line(c));
      fields.push_back(c.field);
    }
  return fields;
}

const ClaimResult& claim_of(const std::vector<ClaimResult>& claims, const std::string& field, const std::string& kind) {
  const auto it = std::find_if(claims.begin(), claims.end(),
                               [&](const ClaimResult& c) { return c.field == field && c.kind == kind; });
  REQUIRE(it != claims.end());
  return *it;
}

const std::string kTutorial = "tutorial-first-page";
const std::string kLocale = "bottlenecks[1] \"locale-per-call\"";

}  // namespace

TEST_CASE("the claim tests cover every scenario of the catalogue", "[claims]") {
  const Catalogue catalogue = load_catalogue(test::source_path("scenarios"));
  std::vector<std::string> ids;
  for (const auto& e : catalogue.entries) ids.push_back(e.id);
  CHECK(ids == kCatalogue);
  CHECK(catalogue.warnings.empty());
}

TEST_CASE("claims hold: assembly-rewrite-trap", "[claims][catalogue]") { check_catalogue_claims("assembly-rewrite-trap"); }
TEST_CASE("claims hold: bea-sven-quarter", "[claims][catalogue]") { check_catalogue_claims("bea-sven-quarter"); }
TEST_CASE("claims hold: cache-pointer-chasing", "[claims][catalogue]") { check_catalogue_claims("cache-pointer-chasing"); }
TEST_CASE("claims hold: checkout-inventory-payload", "[claims][catalogue]") {
  check_catalogue_claims("checkout-inventory-payload");
}
TEST_CASE("claims hold: cpu-quadratic-loop", "[claims][catalogue]") { check_catalogue_claims("cpu-quadratic-loop"); }
TEST_CASE("claims hold: jit-unstable-shapes", "[claims][catalogue]") { check_catalogue_claims("jit-unstable-shapes"); }
TEST_CASE("claims hold: lock-global-mutex", "[claims][catalogue]") { check_catalogue_claims("lock-global-mutex"); }
TEST_CASE("claims hold: observer-effect", "[claims][catalogue]") { check_catalogue_claims("observer-effect"); }
TEST_CASE("claims hold: orders-n-plus-1", "[claims][catalogue]") { check_catalogue_claims("orders-n-plus-1"); }
TEST_CASE("claims hold: pool-exhaustion", "[claims][catalogue]") { check_catalogue_claims("pool-exhaustion"); }
TEST_CASE("claims hold: process-order-gc", "[claims][catalogue]") { check_catalogue_claims("process-order-gc"); }
TEST_CASE("claims hold: search-regex-per-request", "[claims][catalogue]") {
  check_catalogue_claims("search-regex-per-request");
}
TEST_CASE("claims hold: syscall-unbuffered-writes", "[claims][catalogue]") {
  check_catalogue_claims("syscall-unbuffered-writes");
}
TEST_CASE("claims hold: third-party-bundle", "[claims][catalogue]") { check_catalogue_claims("third-party-bundle"); }
TEST_CASE("claims hold: tutorial-first-page", "[claims][catalogue]") { check_catalogue_claims("tutorial-first-page"); }

TEST_CASE("claims hold: the example in scenarios/README.md", "[claims]") {
  // What authors copy: it must pass the check it tells them to run.
  std::ifstream in(test::source_path("scenarios/README.md"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto start = doc.find("```lua\n");
  REQUIRE(start != std::string::npos);
  const auto end = doc.find("```", start + 7);
  ScenarioScript script = ScenarioScript::from_text(doc.substr(start + 7, end - start - 7), "report-export-lock.lua");
  for (const auto& c : prove_claims(script)) {
    INFO(claim_line(c));
    CHECK(c.ok);
  }
}

TEST_CASE("a stream that does not show the hot frame is refused", "[claims][variants]") {
  // FormatPrice burns CPU; it never waits, so the off-CPU stream has nothing of it.
  const auto claims = variant_claims(kTutorial, "stream = \"cpu\", hot_frame = \"pricing.FormatPrice\"",
                                     "stream = \"offcpu\", hot_frame = \"pricing.FormatPrice\"");
  const std::string field = kLocale + ".hot_frame \"pricing.FormatPrice\"";
  // Verify then reads the same empty stream: the right fix shrinks nothing there.
  CHECK(false_fields(claims) == std::vector<std::string>{field, kLocale + ".right_fixes[1] \"cache_locale\""});
  const ClaimResult& hot = claim_of(claims, field, "hot spot");
  CHECK_THAT(hot.claim, Catch::Contains("the offcpu stream of GET /invoice shows it"));
  CHECK_THAT(hot.measured, Catch::StartsWith("it has 0% of it from 4:00 to 7:00, 0 ms per request"));
}

TEST_CASE("an onset 15 minutes late is refused, with where the symptom does start", "[claims][variants]") {
  const auto claims =
      variant_claims("checkout-inventory-payload", "onset_s = p.deploy_at_s,", "onset_s = p.deploy_at_s + 900,");
  const std::string field = "bottlenecks[1] \"inventory-payload\".symptom.onset_s";
  CHECK(false_fields(claims) == std::vector<std::string>{field});
  const ClaimResult& onset = claim_of(claims, field, "onset");
  CHECK_THAT(onset.claim, Catch::StartsWith("/checkout p99 gets worse at 45:00"));
  // Already in the incident on both sides: a little worse, in under 80% of the window pairs.
  CHECK_THAT(onset.measured, Catch::Contains("of pairs; it moves most clearly at 30:00, from 24"));
}

TEST_CASE("a wrong fix that fixes the incident is refused", "[claims][variants]") {
  // more_cores doing what the right fix does.
  const auto claims = variant_claims(kTutorial, "set = { cores = p.cores * 2 } },", "set = { locale_cached = 1 } },");
  CHECK(false_fields(claims) == std::vector<std::string>{kLocale + ".wrong_fixes[1] \"more_cores\"",
                                                         "fixes.more_cores.touches \"elsewhere\""});
  const ClaimResult& wrong = claim_of(claims, kLocale + ".wrong_fixes[1] \"more_cores\"", "wrong fix");
  CHECK_THAT(wrong.measured, Catch::Matches("it takes GET /invoice p99 from 52\\.\\d ms to 10\\.\\d ms \\(80% better\\), "
                                            "as much as right fix cache_locale \\(80% better\\)"));
}

TEST_CASE("a fix off the critical path that moves the headline far is refused", "[claims][variants]") {
  // A cache that makes every invoice's query ten times slower, not three times faster.
  const auto claims = variant_claims(kTutorial, "set = { db_ms = p.db_ms / 3 } },", "set = { db_ms = p.db_ms * 10 } },");
  CHECK(false_fields(claims) == std::vector<std::string>{"fixes.cache_invoice.touches \"elsewhere\""});
  const ClaimResult& elsewhere = claim_of(claims, "fixes.cache_invoice.touches \"elsewhere\"", "elsewhere fix");
  CHECK_THAT(elsewhere.measured, Catch::EndsWith("worse)"));
}

TEST_CASE("a harmful future change that changes nothing is refused", "[claims][variants]") {
  const auto claims = variant_claims(kTutorial, "set = { format_us = p.format_us * 8 }, harmful = true },",
                                     "set = { format_us = p.format_us }, harmful = true },");
  const std::string field = "enforce.future[2] \"Amounts are rounded with big.Float\"";
  // Nothing changed, so no gate can catch it either.
  CHECK(false_fields(claims) == std::vector<std::string>{field, field});
  CHECK_THAT(claim_of(claims, field, "future change").measured, Catch::EndsWith("(unchanged)"));
  CHECK(claim_of(claims, field, "gated regression").measured == "no gate trips on it");
}

TEST_CASE("a harmless future change that breaks the target is refused", "[claims][variants]") {
  // A QR code that makes rendering sixteen times slower.
  const auto claims = variant_claims(kTutorial, "set = { render_ms = p.render_ms * 1.6 },",
                                     "set = { render_ms = p.render_ms * 16 },");
  const std::string field = "enforce.future[1] \"Invoices carry a QR code for bank payment\"";
  CHECK(false_fields(claims) == std::vector<std::string>{field});
  CHECK_THAT(claim_of(claims, field, "future change").measured, Catch::Matches("it takes GET /invoice p99 \\d+\\.\\d ms "
                                                                               "against 25\\.0 ms"));
}

TEST_CASE("a gate whose frame is a typo is refused", "[claims][variants]") {
  const auto claims = variant_claims(kTutorial, "frame = \"pricing.FormatPrice\", rule = \"growth\",",
                                     "frame = \"pricing.FormatPirce\", rule = \"growth\",");
  const std::string field = "enforce.gates[1] \"format-benchmark\".frame \"pricing.FormatPirce\"";
  // The benchmark was the gate that caught both regressions before merge: without it the expert loses Enforce points.
  CHECK(false_fields(claims) == std::vector<std::string>{field, "expert answers (perfloop solve)"});
  CHECK(claim_of(claims, field, "gate frame").measured == "no state of the service the replay runs has a frame of that name");
}

TEST_CASE("a claim line names the field, the claim and the figure", "[claims]") {
  ClaimResult c;
  c.field = "bottlenecks[1] \"b\".wrong_fixes[2] \"add_cores\"";
  c.claim = "a wrong fix improves /checkout p99 less than every right fix";
  c.measured = "it takes /checkout p99 from 1840 ms to 720 ms (61% better), as much as right fix rollback (58% better)";
  CHECK(claim_line(c) == "bottlenecks[1] \"b\".wrong_fixes[2] \"add_cores\": a wrong fix improves /checkout p99 less "
                         "than every right fix, but it takes /checkout p99 from 1840 ms to 720 ms (61% better), as much "
                         "as right fix rollback (58% better)");
  c.kind = "wrong fix";
  ClaimResult d = c;
  d.kind = "onset";
  CHECK(claims_summary({c, c, d}) == "2 wrong fixes, 1 onset (3 claims)");
}
