-- A service whose one endpoint makes `queries` database round trips per
-- request, every signal on (GC, CPU and off-CPU profiles, sampled and slow
-- traces). `perfloop bench` runs it with 1 round trip and with 51 to show
-- what an N+1 costs the engine per request.
return {
  id = "round-trips",
  title = "Reference: round trips per request",
  params = {
    queries = { default = 51, min = 0, max = 10000, unit = "queries", description = "Round trips per request" },
    rps = { default = 400, min = 1, max = 1e6, unit = "req/s", description = "Arrival rate" },
    requests = { default = 1000000, min = 1, max = 1e9, unit = "requests", description = "Expected number of arrivals" },
  },
  build = function(p)
    return {
      duration_s = p.requests / p.rps,
      first_phase = "steady",
      service = { name = "orders", root_frame = "main", cores = 4, workers = 64, queue_limit = 10000,
                  gc = { enabled = true, live_heap_mb = 64 } },
      load = { rps = p.rps },
      endpoints = {
        { name = "/orders", share = 1, timeout_ms = 5000,
          root = span { name = "handle_orders", frame = "handlers.Orders",
            cpu { frame = "handlers.decode", ms = 0.5, alloc_kb = 8, dist = "lognormal", cv = 0.3 },
            span { name = "load_items", frame = "store.Items",
              queries { frame = "pgx.(*Conn).Query", count = p.queries, rtt_ms = 0.8, ms = 0.05, alloc_kb = 1.5,
                        dist = "lognormal", cv = 0.3 },
            },
            cpu { frame = "encoding/json.Marshal", ms = 0.4, alloc_kb = 10, dist = "lognormal", cv = 0.3 },
          } },
      },
    }
  end,
}
