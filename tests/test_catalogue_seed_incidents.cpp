// Catalogue scenarios from the seeds' incidents: the figures the seed
// documents give for bea-sven-quarter (seed 01), orders-n-plus-1 and
// third-party-bundle (seed 05), measured from the scenario files themselves.
#include <catch2/catch.hpp>

#include "test_support.h"

using namespace perfloop;

namespace {

const EndpointSummary& at(const test::RunResult& run, const char* phase, const char* endpoint) {
  const EndpointSummary* e = test::phase(run, phase).endpoint(endpoint);
  if (!e) throw std::runtime_error(std::string("no endpoint ") + endpoint + " in phase " + phase);
  return *e;
}

double gc_pct(const EndpointSummary& e) { return test::frame_pct(e, "runtime.scanobject") + test::frame_pct(e, "runtime.mallocgc"); }

double span_mean(const EndpointSummary& e, const std::string& name) {
  for (const auto& s : e.spans)
    if (s.name == name) return s.mean_ms;
  FAIL("no span " << name << " in " << e.name);
  return 0.0;
}

double alloc_per_request(const EndpointSummary& e, const std::string& frame) {
  for (const auto& f : e.profile_alloc)
    if (f.frame == frame) return f.per_request;
  return 0.0;
}

// ---------------------------------------------------------------------------
// bea-sven-quarter: 200 ms a year ago, 1.2 s today, 280 ms after three loops.

const char* const kBeaSven = "scenarios/bea-sven-quarter.lua";

const test::RunResult& quarter_run() {
  static const test::RunResult run =
      test::run_scenario(kBeaSven, {}, {"logger_fields", "batch_stock", "split_dashboard"}, 1);
  return run;
}

const EndpointSummary& orders(const char* phase) { return at(quarter_run(), phase, "/orders"); }
const EndpointSummary& dashboard(const char* phase) { return at(quarter_run(), phase, "/dashboard"); }

}  // namespace

TEST_CASE("bea-sven-quarter: the year's phases, then one phase per fix a loop apart", "[catalogue-incidents]") {
  const auto& run = quarter_run();
  std::vector<std::string> names;
  for (const auto& p : run.phases) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"baseline", "month_3", "month_6", "month_9", "accumulated", "after_logger_fix",
                                          "after_batching", "after_code_split"});
  CHECK(test::phase(run, "after_logger_fix").start_s == 2400.0);
  CHECK(test::phase(run, "after_batching").start_s == 2800.0);
  CHECK(test::phase(run, "after_code_split").start_s == 3200.0);
  int deploys = 0, fixes = 0;
  for (const auto& e : run.json["events"]) {
    if (e["kind"] == "deploy") ++deploys;
    if (e["kind"] == "fix") ++fixes;
  }
  CHECK(deploys == 6);  // months of small changes, not one incident
  CHECK(fixes == 3);
}

TEST_CASE("bea-sven-quarter: /orders p99 200 ms -> 1.2 s -> 280 ms after all three fixes", "[catalogue-incidents]") {
  INFO("p99 baseline " << orders("baseline").p99_ms << ", accumulated " << orders("accumulated").p99_ms
                       << ", after logger " << orders("after_logger_fix").p99_ms << ", after batching "
                       << orders("after_batching").p99_ms << ", after code split " << orders("after_code_split").p99_ms);
  CHECK(orders("baseline").p99_ms == Approx(200).epsilon(0.15));
  CHECK(orders("accumulated").p99_ms == Approx(1200).epsilon(0.15));
  CHECK(orders("after_code_split").p99_ms == Approx(280).epsilon(0.15));
  // Each server-side loop moves the headline; the code split is client-side and leaves it alone.
  CHECK(orders("after_logger_fix").p99_ms < 0.9 * orders("accumulated").p99_ms);
  CHECK(orders("after_batching").p99_ms < 0.4 * orders("after_logger_fix").p99_ms);
  CHECK(orders("after_code_split").p99_ms == Approx(orders("after_batching").p99_ms).epsilon(0.1));
  // Nothing fails along the way: the drift is latency only.
  CHECK(orders("accumulated").error_rate < 0.001);
}

TEST_CASE("bea-sven-quarter: GC is 18% of the /orders CPU profile, the logger its allocator", "[catalogue-incidents]") {
  const auto& acc = orders("accumulated");
  const auto& base = orders("baseline");
  const auto& fixed = orders("after_logger_fix");
  const std::string logger = "github.com/sirupsen/logrus.(*Entry).WithFields";
  INFO("GC share baseline " << gc_pct(base) << ", accumulated " << gc_pct(acc) << ", after logger fix " << gc_pct(fixed));
  CHECK(gc_pct(acc) == Approx(18).margin(4));
  CHECK(gc_pct(base) < 12);
  CHECK(gc_pct(fixed) < 10);
  INFO("logger KB/request baseline " << alloc_per_request(base, logger) << ", accumulated "
                                     << alloc_per_request(acc, logger) << ", fixed " << alloc_per_request(fixed, logger));
  CHECK(!acc.profile_alloc.empty());
  REQUIRE_FALSE(acc.profile_alloc.empty());
  CHECK(acc.profile_alloc.front().frame == logger);  // the top allocator
  CHECK(alloc_per_request(acc, logger) > 10 * alloc_per_request(base, logger));
  CHECK(alloc_per_request(fixed, logger) < 0.15 * alloc_per_request(acc, logger));
}

TEST_CASE("bea-sven-quarter: the stock N+1 adds 50 queries per /orders request, batching removes them", "[catalogue-incidents]") {
  const double base = orders("baseline").queries_per_request;
  const double acc = orders("accumulated").queries_per_request;
  const double batched = orders("after_batching").queries_per_request;
  INFO("queries/request baseline " << base << ", accumulated " << acc << ", after batching " << batched);
  CHECK(acc - base == Approx(50).margin(0.5));
  CHECK(batched - base == Approx(1).margin(0.5));
  CHECK(span_mean(orders("accumulated"), "stock_lookup") > 0.5 * orders("accumulated").mean_ms);
  CHECK(span_mean(orders("after_batching"), "stock_lookup") < 0.05 * span_mean(orders("accumulated"), "stock_lookup"));
}

TEST_CASE("bea-sven-quarter: /dashboard LCP grows with the 800 KB and recovers after the code split", "[catalogue-incidents]") {
  REQUIRE(dashboard("baseline").has_rum);
  const double base = dashboard("baseline").lcp_p75_ms;
  const double acc = dashboard("accumulated").lcp_p75_ms;
  const double split = dashboard("after_code_split").lcp_p75_ms;
  INFO("LCP p75 baseline " << base << ", accumulated " << acc << ", after batching "
                           << dashboard("after_batching").lcp_p75_ms << ", after code split " << split);
  CHECK(acc > 1.5 * base);
  // The server fixes do nothing for the browser...
  CHECK(dashboard("after_batching").lcp_p75_ms == Approx(acc).epsilon(0.03));
  // ...the code split does.
  CHECK(split < 0.7 * acc);
  CHECK(split == Approx(base).epsilon(0.15));
}

// ---------------------------------------------------------------------------
// orders-n-plus-1: the N+1 that took /orders from 30 ms to 1.5 s.

namespace {

const char* const kOrdersN1 = "scenarios/orders-n-plus-1.lua";

const test::RunResult& n1_run() {
  static const test::RunResult run = test::run_scenario(kOrdersN1, {}, {"batch_lookup"}, 1);
  return run;
}

}  // namespace

TEST_CASE("orders-n-plus-1: /orders p99 30 ms -> 1.5 s -> back after batching", "[catalogue-incidents]") {
  const auto& run = n1_run();
  REQUIRE(run.phases.size() == 3);
  const auto& base = at(run, "baseline", "/orders");
  const auto& inc = at(run, "incident", "/orders");
  const auto& after = at(run, "after_fix", "/orders");
  INFO("p99 baseline " << base.p99_ms << ", incident " << inc.p99_ms << ", after batching " << after.p99_ms);
  CHECK(base.p99_ms == Approx(30).epsilon(0.15));
  CHECK(inc.p99_ms == Approx(1500).epsilon(0.15));
  CHECK(after.p99_ms == Approx(30).epsilon(0.15));
  // The other endpoints never noticed.
  CHECK(at(run, "incident", "/orders/{id}").p99_ms == Approx(at(run, "baseline", "/orders/{id}").p99_ms).epsilon(0.1));
}

TEST_CASE("orders-n-plus-1: one query per line item, waiting rather than working", "[catalogue-incidents]") {
  const auto& run = n1_run();
  const auto& base = at(run, "baseline", "/orders");
  const auto& inc = at(run, "incident", "/orders");
  const auto& after = at(run, "after_fix", "/orders");
  INFO("queries/request " << base.queries_per_request << " -> " << inc.queries_per_request << " -> "
                          << after.queries_per_request);
  CHECK(base.queries_per_request <= 3);
  CHECK(inc.queries_per_request >= 300);
  CHECK(after.queries_per_request <= 3);
  // The trace: product_lookup is almost the whole request.
  CHECK(span_mean(inc, "product_lookup") > 0.9 * inc.mean_ms);
  // The cores stay mostly idle: this is I/O, not CPU.
  CHECK(test::phase(run, "incident").cpu_utilisation < 0.3);
}

TEST_CASE("orders-n-plus-1: a faster database helps a little, batching a lot", "[catalogue-incidents]") {
  const auto db = test::run_scenario(kOrdersN1, {}, {"faster_db"}, 1);
  const auto pool = test::run_scenario(kOrdersN1, {}, {"bigger_pool"}, 1);
  const double inc = at(n1_run(), "incident", "/orders").p99_ms;
  const double batched = at(n1_run(), "after_fix", "/orders").p99_ms;
  const double faster = at(db, "after_fix", "/orders").p99_ms;
  const double pooled = at(pool, "after_fix", "/orders").p99_ms;
  INFO("incident " << inc << ", faster_db " << faster << ", bigger_pool " << pooled << ", batch_lookup " << batched);
  CHECK(faster < inc);
  CHECK(faster > 0.7 * inc);
  CHECK(pooled > 0.95 * inc);
  CHECK(batched < 0.05 * inc);
}

// ---------------------------------------------------------------------------
// third-party-bundle: a third-party script took LCP to 4 s.

namespace {

const char* const kThirdParty = "scenarios/third-party-bundle.lua";

const test::RunResult& tp_run() {
  static const test::RunResult run = test::run_scenario(kThirdParty, {}, {"defer_vendor"}, 1);
  return run;
}

}  // namespace

TEST_CASE("third-party-bundle: product-page LCP p75 2 s -> 4 s -> 2 s after deferring the script", "[catalogue-incidents]") {
  const auto& run = tp_run();
  REQUIRE(run.phases.size() == 3);
  const auto& base = at(run, "baseline", "/product");
  const auto& inc = at(run, "incident", "/product");
  const auto& after = at(run, "after_fix", "/product");
  REQUIRE(base.has_rum);
  INFO("LCP p75 baseline " << base.lcp_p75_ms << ", incident " << inc.lcp_p75_ms << ", after " << after.lcp_p75_ms);
  CHECK(base.lcp_p75_ms == Approx(2000).epsilon(0.15));
  CHECK(inc.lcp_p75_ms == Approx(4000).epsilon(0.15));
  CHECK(after.lcp_p75_ms == Approx(2000).epsilon(0.15));
  // Only the product route carries the script.
  CHECK(at(run, "incident", "/search").lcp_p75_ms == Approx(at(run, "baseline", "/search").lcp_p75_ms).epsilon(0.03));
}

TEST_CASE("third-party-bundle: the servers see nothing", "[catalogue-incidents]") {
  const auto& run = tp_run();
  const auto& base = at(run, "baseline", "/product");
  const auto& inc = at(run, "incident", "/product");
  INFO("/product p99 baseline " << base.p99_ms << ", incident " << inc.p99_ms);
  CHECK(inc.p99_ms == Approx(base.p99_ms).epsilon(0.05));
  CHECK(inc.rps == Approx(base.rps).epsilon(0.03));
  CHECK(inc.error_rate < 0.001);
  CHECK(test::phase(run, "incident").cpu_utilisation ==
        Approx(test::phase(run, "baseline").cpu_utilisation).epsilon(0.05));
}

TEST_CASE("third-party-bundle: a faster API improves the server, not LCP", "[catalogue-incidents]") {
  const auto api = test::run_scenario(kThirdParty, {}, {"faster_api"}, 1);
  const auto& inc = at(api, "incident", "/product");
  const auto& after = at(api, "after_fix", "/product");
  INFO("faster_api: p99 " << inc.p99_ms << " -> " << after.p99_ms << ", LCP " << inc.lcp_p75_ms << " -> "
                          << after.lcp_p75_ms);
  CHECK(after.p99_ms < 0.9 * inc.p99_ms);
  CHECK(after.lcp_p75_ms > 0.95 * inc.lcp_p75_ms);
  const auto cdn = test::run_scenario(kThirdParty, {}, {"api_cdn"}, 1);
  CHECK(at(cdn, "after_fix", "/product").lcp_p75_ms > 0.95 * at(cdn, "incident", "/product").lcp_p75_ms);
}
