// The model parts real incidents need, each against what theory predicts:
// a connection pool (a lock with N permits) is an M/M/N queue (Erlang-C);
// a lock a background job holds H every T makes the average request wait
// H²/2T; sized N+1s spread like the sizes; blocking syscalls wait, not burn
// CPU; and round trips and calls are whole.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/loop/queueing_estimate.h"
#include "sim/scenarios/catalogue.h"
#include "test_support.h"

using namespace perfloop;

namespace {

constexpr const char* kParts = "tests/scenarios/model_parts.lua";

double offcpu_per_request(const EndpointSummary& e, const std::string& frame) {
  for (const auto& f : e.profile_offcpu)
    if (f.frame == frame) return f.per_request;
  return 0.0;
}

// Mean wait in the queue of an M/M/N: C(N, a) / (Nμ - λ).
double mmn_mean_wait_ms(double lambda, double mu, int n) {
  return 1e3 * erlang_c(n, lambda / mu) / (n * mu - lambda);
}

}  // namespace

TEST_CASE("a pool of N connections under Poisson load waits as Erlang-C says", "[model-parts]") {
  struct Case { double lambda, mu; int permits; };
  for (const Case c : {Case{400, 50, 10}, Case{90, 10, 12}}) {
    const auto run = test::run_scenario(kParts, {{"part", 1}, {"lambda", c.lambda}, {"mu", c.mu},
                                                 {"permits", c.permits}, {"duration_s", 1e6 / c.lambda}});
    const auto& work = *test::phase(run, "steady").endpoint("/work");
    const double theory_wait = mmn_mean_wait_ms(c.lambda, c.mu, c.permits);
    const double simulated_wait = offcpu_per_request(work, kSemaphoreWaitFrame);
    INFO("lambda " << c.lambda << " mu " << c.mu << " N " << c.permits << ": Erlang-C wait " << theory_wait
                   << " ms, simulated " << simulated_wait << " ms; mean latency " << work.mean_ms << " ms");
    CHECK(simulated_wait == Approx(theory_wait).epsilon(0.05));
    CHECK(work.mean_ms == Approx(theory_wait + 1e3 / c.mu).epsilon(0.03));
    // The query itself is off-CPU time in its own frame, one service time each.
    CHECK(offcpu_per_request(work, "pgx.Query") == Approx(1e3 / c.mu).epsilon(0.02));
  }
}

TEST_CASE("a config change that shrinks the pool makes the same load queue", "[model-parts]") {
  // 400 req/s of 20 ms queries is 8 connections' worth: 20 barely wait, 9 queue hard.
  const auto run = test::run_scenario(kParts, {{"part", 1}, {"lambda", 400}, {"mu", 50}, {"permits", 20},
                                               {"shrunk_permits", 9}, {"duration_s", 5000}});
  const auto& before = *test::phase(run, "steady").endpoint("/work");
  const auto& after = *test::phase(run, "shrunk").endpoint("/work");
  const double wait_before = offcpu_per_request(before, kSemaphoreWaitFrame);
  const double wait_after = offcpu_per_request(after, kSemaphoreWaitFrame);
  INFO("wait " << wait_before << " ms with 20 connections, " << wait_after << " ms with 9");
  CHECK(wait_before == Approx(mmn_mean_wait_ms(400, 50, 20)).margin(0.05));
  CHECK(wait_before < 0.1);
  CHECK(wait_after == Approx(mmn_mean_wait_ms(400, 50, 9)).epsilon(0.12));
  CHECK(after.mean_ms > 1.5 * before.mean_ms);
}

TEST_CASE("a lock held H every T makes requests wait H^2/2T on average", "[model-parts]") {
  // 500 ms every 10 s: 5% of arrivals land in a hold and wait its rest,
  // uniform on (0, 500 ms): a mean of 12.5 ms, and the 99th percentile
  // waits 500 - 0.01 × 10,000 = 400 ms (plus the 1 ms render).
  const auto run = test::run_scenario(kParts, {{"part", 2}, {"lambda", 200}, {"every_s", 10}, {"hold_ms", 500},
                                               {"duration_s", 5000}});
  const auto& work = *test::phase(run, "steady").endpoint("/work");
  const double wait = offcpu_per_request(work, kMutexWaitFrame);
  INFO("mean wait " << wait << " ms, p99 " << work.p99_ms << " ms, p50 " << work.p50_ms << " ms");
  CHECK(wait == Approx(500.0 * 500.0 / (2 * 10'000.0)).epsilon(0.05));
  CHECK(work.p99_ms == Approx(401.0).epsilon(0.05));
  CHECK(work.p50_ms == Approx(1.0).epsilon(0.05));
}

TEST_CASE("sized queries grow with the request: the N+1's p99 spreads like the sizes", "[model-parts]") {
  // 20 items per request on average, sizes log-normal with cv 1: the median
  // request has 20 × e^(-σ²/2) items and the 99th percentile e^(2.326σ) times
  // more, σ² = ln 2. One 1 ms round trip per item.
  const double sigma = std::sqrt(std::log(2.0));
  const double p50 = 20 * std::exp(-sigma * sigma / 2), p99 = p50 * std::exp(2.3263 * sigma);
  const auto sized = test::run_scenario(kParts, {{"part", 3}, {"lambda", 100}, {"duration_s", 2000}});
  const auto& s = *test::phase(sized, "steady").endpoint("/work");
  INFO("sized: " << s.queries_per_request << " queries per request, p50 " << s.p50_ms << " ms (theory " << p50
                 << "), p99 " << s.p99_ms << " ms (theory " << p99 << ")");
  CHECK(s.queries_per_request == Approx(20).epsilon(0.02));
  CHECK(s.p50_ms == Approx(p50).epsilon(0.06));
  CHECK(s.p99_ms == Approx(p99).epsilon(0.06));

  const auto flat = test::run_scenario(kParts, {{"part", 3}, {"lambda", 100}, {"duration_s", 2000}, {"sized", 0}});
  const auto& f = *test::phase(flat, "steady").endpoint("/work");
  CHECK(f.queries_per_request == Approx(20).epsilon(1e-9));
  CHECK(f.p99_ms == Approx(20).epsilon(0.03));
}

TEST_CASE("fifty round trips that vary add up as fifty draws would", "[model-parts]") {
  // The sum of 50 unit exponentials is Gamma(50): mean 50, and by
  // Wilson-Hilferty its p99 is 50 (1 - 1/450 + 2.3263 / sqrt(450))^3 and its
  // median 50 (1 - 1/450)^3. The sum of 50 log-normals of cv 0.3 has mean 50,
  // sd 0.3 sqrt(50) and skew (3 cv + cv^3) / sqrt(50); Cornish-Fisher puts its
  // p99 at mean + sd (z + (z^2 - 1) skew / 6).
  const double z = 2.3263;
  const double wh = 1.0 / 450.0;
  const double gamma_p99 = 50 * std::pow(1 - wh + z * std::sqrt(wh), 3), gamma_p50 = 50 * std::pow(1 - wh, 3);
  const double sd = 0.3 * std::sqrt(50.0), skew = (0.9 + 0.027) / std::sqrt(50.0);
  const double lognormal_p99 = 50 + sd * (z + (z * z - 1) * skew / 6);
  struct Case { double variation, p50, p99; };
  for (const Case c : {Case{1, gamma_p50, gamma_p99}, Case{2, 50 - sd * skew / 6, lognormal_p99}}) {
    const auto run = test::run_scenario(kParts, {{"part", 3}, {"lambda", 100}, {"count", 50}, {"sized", 0},
                                                 {"variation", c.variation}, {"duration_s", 1000}});
    const auto& work = *test::phase(run, "steady").endpoint("/work");
    INFO("variation " << c.variation << ": mean " << work.mean_ms << " ms, p50 " << work.p50_ms << " (theory " << c.p50
                      << "), p99 " << work.p99_ms << " (theory " << c.p99 << ")");
    CHECK(work.queries_per_request == 50);
    CHECK(work.mean_ms == Approx(50).epsilon(0.01));
    CHECK(work.p50_ms == Approx(c.p50).epsilon(0.01));
    CHECK(work.p99_ms == Approx(c.p99).epsilon(0.02));
  }
}

TEST_CASE("blocking syscalls wait in the kernel frame instead of burning CPU", "[model-parts]") {
  const auto run = test::run_scenario(kParts, {{"part", 4}, {"lambda", 100}, {"count", 10}, {"duration_s", 600}});
  const auto& phase = test::phase(run, "steady");
  const auto& work = *phase.endpoint("/work");
  INFO("fsync off-CPU " << offcpu_per_request(work, "syscall.fsync") << " ms per request, CPU "
                        << phase.cpu_utilisation);
  CHECK(offcpu_per_request(work, "syscall.fsync") == Approx(20).epsilon(1e-6));  // 10 calls × 2 ms
  CHECK(work.mean_ms == Approx(20.1).epsilon(0.01));                             // plus 10 × 0.01 ms of CPU
  CHECK(phase.cpu_utilisation < 0.001);  // 100 req/s × 0.1 ms on 64 cores
}

TEST_CASE("round trips and calls are whole: 30 rows in batches of 500 are one", "[model-parts]") {
  struct Case { double count, batch, trips; };
  for (const Case c : {Case{30, 500, 1}, Case{30, 7, 5}, Case{30, 1, 30}, Case{500, 500, 1}}) {
    const auto run = test::run_scenario(kParts, {{"part", 5}, {"lambda", 50}, {"count", c.count}, {"batch", c.batch},
                                                 {"duration_s", 60}});
    const auto& work = *test::phase(run, "steady").endpoint("/work");
    INFO(c.count << " items in batches of " << c.batch);
    CHECK(work.queries_per_request == c.trips);
    CHECK(work.mean_ms == Approx(c.trips * 1.0 + c.trips * 0.01).epsilon(0.001));
  }
}

namespace {

std::string first_problem(const std::string& name, const std::string& steps, const std::string& service_extra = "") {
  const auto dir = std::filesystem::temp_directory_path() / ("perfloop-parts-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / name).string();
  const std::string id = name.substr(0, name.find('.'));  // a file is named after its id
  std::ofstream(file) << "return { id = '" + id + "', title = 't', build = function(p)\n"
                         "  return { duration_s = 60, service = { name = 's'" + service_extra + " }, load = { rps = 10 },\n"
                         "    endpoints = { { name = '/a', root = span { name = 'a',\n" + steps + "\n} } } }\nend }\n";
  const auto problems = check_scenario(file);
  std::filesystem::remove_all(dir);
  return problems.empty() ? "" : problems.front();
}

}  // namespace

TEST_CASE("the new parts refuse what they cannot mean, naming the field", "[model-parts]") {
  CHECK(first_problem("ok.lua", "lock { lock = 'pool', permits = 4, frame = 'q', wait { frame = 'db', ms = 2 } }",
                      ", background = { { name = 'vacuum', lock = 'pool', every_s = 30, hold_ms = 200 } }") == "");
  CHECK_THAT(first_problem("nested.lua", "lock { lock = 'a', frame = 'q', lock { lock = 'b', frame = 'r', ms = 1 } }"),
             Catch::Contains("endpoints[\"/a\"].root.steps[1][1]") &&
                 Catch::Contains("a lock may hold cpu, wait, queries, syscalls or downstream steps, not a lock"));
  CHECK_THAT(first_problem("permits.lua", "lock { lock = 'pool', permits = 0, frame = 'q', ms = 1 }"),
             Catch::Contains("permits") && Catch::Contains("got 0"));
  CHECK_THAT(first_problem("disagree.lua", "lock { lock = 'pool', permits = 4, frame = 'q', ms = 1 },\n"
                                           "lock { lock = 'pool', permits = 8, frame = 'r', ms = 1 }"),
             Catch::Contains("lock pool has 4 permits in one step and 8 in another"));
  CHECK_THAT(first_problem("typo.lua", "lock { lock = 'pool', frame = 'q', ms = 1 }",
                           ", background = { { name = 'vacuum', lock = 'pol', every_s = 30, hold_ms = 200 } }"),
             Catch::Contains("service.background[1].lock") &&
                 Catch::Contains("no step takes a lock named \"pol\" (locks: pool)"));
  CHECK_THAT(first_problem("block.lua", "syscalls { frame = 'fsync', count = 1e6, ms = 0, block_ms = 10 }"),
             Catch::Contains("block_ms") && Catch::Contains("more than the 1000000 one step may"));
}

namespace {

// The first problem `check` finds in a scenario whose bottleneck names `hot`
// as its off-CPU hot frame, with `lock` as the endpoint's only step (the
// truth goes in after the service; the template's closing brace ends enforce).
std::string hot_frame_problem(const std::string& name, const std::string& hot, const std::string& lock) {
  return first_problem(name, lock,
                       " }, fixes = { more = { title = 'm', set = {} }, a = { title = 'a', set = {} },\n"
                       "    b = { title = 'b', set = {} } },\n"
                       "  bottlenecks = { { id = 'b', title = 'b', families = { 'lock-bound' }, root_cause = 'r',\n"
                       "    symptom = { endpoint = '/a', metric = 'p99', onset_s = 0, target = 10 }, stream = 'offcpu',\n"
                       "    hot_frame = '" + hot + "', right_fixes = { 'more' }, wrong_fixes = { 'a', 'b' },\n"
                       "    debrief = 'd' } },\n"
                       "  enforce = { gates = { { id = 'r', kind = 'runbook', title = 'r', description = 'd' } }");
}

}  // namespace

TEST_CASE("a bottleneck's hot frame may be where a lock's waiters wait, or a step the lock holds", "[model-parts]") {
  const std::string pool = "lock { lock = 'pool', permits = 4, frame = 'store.Get', wait_frame = 'database/sql.(*DB).conn',\n"
                           "       wait { frame = 'pgx.Query', ms = 2 } }";
  CHECK(hot_frame_problem("wait-frame.lua", "database/sql.(*DB).conn", pool) == "");
  CHECK(hot_frame_problem("inner.lua", "pgx.Query", pool) == "");
  // Without a wait_frame, the engine's own frame for the lock's permits.
  const std::string semaphore = "lock { lock = 'pool', permits = 4, frame = 'store.Get', wait { frame = 'q', ms = 2 } }";
  CHECK(hot_frame_problem("semaphore.lua", "semaphore.(*Weighted).Acquire", semaphore) == "");
  // A named wait_frame replaces it, and a frame no step shows is still refused.
  CHECK_THAT(hot_frame_problem("replaced.lua", "semaphore.(*Weighted).Acquire", pool),
             Catch::Contains("bottlenecks[1].hot_frame") && Catch::Contains("no frame named"));
  CHECK_THAT(hot_frame_problem("nowhere.lua", "database/sql.(*DB).connx", pool), Catch::Contains("no frame named"));
}
