-- A textbook M/M/c queue: Poisson arrivals at `lambda` per second, `c`
-- workers, each serving one request at a time for an exponential time of
-- mean 1/mu. The engine's tests compare it with Erlang-C.
return {
  id = "mmc",
  title = "Reference: M/M/c queue",
  params = {
    lambda = { default = 900, min = 0.001, max = 1e7, unit = "req/s", description = "Arrival rate" },
    mu = { default = 100, min = 0.001, max = 1e7, unit = "req/s", description = "Service rate of one worker" },
    c = { default = 10, min = 1, max = 100000, unit = "workers", description = "Number of workers (and cores)" },
    requests = { default = 1000000, min = 1, max = 1e9, unit = "requests", description = "Expected number of arrivals" },
  },
  build = function(p)
    return {
      duration_s = p.requests / p.lambda,
      first_phase = "steady",
      trace_sample_rate = 0,
      service = {
        name = "mmc", root_frame = "main", cores = p.c, workers = p.c, queue_limit = 20000,
        gc = { enabled = false },
      },
      load = { rps = p.lambda },
      endpoints = {
        { name = "/work", share = 1, timeout_ms = 1e9,
          root = span { name = "serve",
            cpu { frame = "work", ms = 1000 / p.mu, dist = "exp" },
          } },
      },
    }
  end,
}
