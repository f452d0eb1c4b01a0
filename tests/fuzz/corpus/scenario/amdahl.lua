-- Two sequential parts of one request at low load: `a` on the CPU, `b` waiting.
-- Fixes remove or halve `a`, so the speed-up can be checked against Amdahl's law.
return {
  id = "amdahl",
  title = "Test: Amdahl's law on a two-part request",
  params = {
    a_ms = { default = 30, min = 0, max = 1000, unit = "ms", description = "CPU part" },
    b_ms = { default = 70, min = 0, max = 1000, unit = "ms", description = "Waiting part" },
    rps = { default = 4, min = 0.1, max = 1000, unit = "req/s", description = "Load" },
  },
  build = function(p)
    return {
      duration_s = 4000,
      fix_at_s = 2000,
      service = { name = "amdahl", cores = 16, workers = 256, gc = { enabled = false } },
      load = { rps = p.rps },
      endpoints = {
        { name = "/r", share = 1, timeout_ms = 60000,
          root = span { name = "request",
            cpu { frame = "part_a", ms = p.a_ms, dist = "lognormal", cv = 0.5 },
            wait { frame = "part_b", ms = p.b_ms, dist = "lognormal", cv = 0.5 },
          } },
      },
      fixes = {
        remove_a = { title = "Remove part a", set = { a_ms = 0 } },
        halve_a = { title = "Make part a twice as fast", set = { a_ms = p.a_ms / 2 } },
      },
    }
  end,
}
