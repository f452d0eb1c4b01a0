// The CPU under processor sharing: the rate every job progresses at follows
// the runnable set, the cores and pauses, whichever of them changed last.
#include <catch2/catch.hpp>
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
