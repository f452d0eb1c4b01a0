// The CPU under processor sharing: the rate every job progresses at follows
// the runnable set, the cores and pauses, whichever of them changed last.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "sim/engine/cpu_scheduler.h"

using namespace perfloop;

TEST_CASE("processor sharing: n jobs on N cores progress at min(1, N/n)", "[cpu]") {
  CpuScheduler cpu;
  cpu.reset(2, 8);
  CHECK(cpu.rate() == 0.0);
  CHECK(cpu.next_completion() == -1);

  cpu.submit(0, 100.0);
  CHECK(cpu.rate() == 1.0);
  CHECK(cpu.busy_cores() == 1);
  CHECK(cpu.next_completion() == 100);

  cpu.submit(1, 300.0);
  cpu.submit(2, 300.0);
  cpu.submit(3, 300.0);
  CHECK(cpu.rate() == 0.5);  // four jobs share two cores
  CHECK(cpu.busy_cores() == 2);
  CHECK(cpu.next_completion() == 200);  // job 0's 100 ns of work at half speed

  const CpuScheduler::Interval iv = cpu.advance(200);
  CHECK(iv.rate == 0.5);
  CHECK(iv.busy_cores == 2);
  std::vector<std::uint32_t> done;
  cpu.collect_finished(done);
  REQUIRE(done == std::vector<std::uint32_t>{0});
  CHECK(cpu.rate() == Approx(2.0 / 3.0));
  CHECK(cpu.virtual_time() == 100.0);
}

TEST_CASE("more cores or a pause change the rate at once", "[cpu]") {
  CpuScheduler cpu;
  cpu.reset(1, 4);
  cpu.submit(0, 100.0);
  cpu.submit(1, 100.0);
  CHECK(cpu.rate() == 0.5);
  cpu.set_cores(4);
  CHECK(cpu.rate() == 1.0);
  CHECK(cpu.busy_cores() == 2);
  CHECK(cpu.next_completion() == 100);

  cpu.set_stopped(true);  // a stop-the-world pause: nobody progresses
  CHECK(cpu.rate() == 0.0);
  CHECK(cpu.busy_cores() == 0);
  CHECK(cpu.next_completion() == -1);
  cpu.advance(50);
  CHECK(cpu.virtual_time() == 0.0);

  cpu.set_stopped(false);
  CHECK(cpu.next_completion() == 150);
  cpu.advance(150);
  std::vector<std::uint32_t> done;
  cpu.collect_finished(done);
  CHECK(done.size() == 2);
  CHECK(cpu.rate() == 0.0);
  CHECK(cpu.runnable() == 0);
}

// The shared rate N/n is worked out once per n and kept; a change of cores
// must not leave the old cores' rates behind, and the next completion is the
// ceiling of the remaining work over the rate, to the nanosecond.
TEST_CASE("a saturated CPU's rates follow a change of cores, completions round up", "[cpu]") {
  CpuScheduler cpu;
  cpu.reset(3, 16);
  for (std::uint32_t job = 0; job < 7; ++job) cpu.submit(job, 1000.0 + job);
  CHECK(cpu.rate() == 3.0 / 7.0);
  CHECK(cpu.next_completion() == static_cast<SimTime>(std::ceil(1000.0 / (3.0 / 7.0))));  // 2333.33.. -> 2334

  cpu.set_cores(2);  // the same n under fewer cores: a rate the first cores never had
  CHECK(cpu.rate() == 2.0 / 7.0);
  CHECK(cpu.next_completion() == 3500);  // exactly 1000 / (2/7): no rounding up past a whole nanosecond

  cpu.set_cores(3);
  CHECK(cpu.rate() == 3.0 / 7.0);
  cpu.advance(700);  // 300 virtual ns at 3/7
  CHECK(cpu.virtual_time() == Approx(300.0));
  CHECK(cpu.next_completion() == 700 + static_cast<SimTime>(std::ceil((1000.0 - cpu.virtual_time()) / (3.0 / 7.0))));

  // Past the most runnable seen so far, the kept rates grow.
  for (std::uint32_t job = 7; job < 16; ++job) cpu.submit(job, 5000.0);
  CHECK(cpu.rate() == 3.0 / 16.0);
  CHECK(cpu.busy_cores() == 3);
}
