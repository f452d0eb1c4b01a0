-- The engine's newer model parts, one per `part`, each on a service simple
-- enough for theory to predict: 1 a pool of `permits` connections held for
-- an exponential query (M/M/N), 2 a lock a background job holds `hold_ms`
-- every `every_s`, 3 N+1 queries (sized by the request, or varying per trip),
-- 4 blocking syscalls,
-- 5 round trips batched over fewer items than a batch holds.
return {
  id = "model-parts",
  title = "Test: model parts",
  params = {
    part = { default = 1, min = 1, max = 5, unit = "", description = "Which part to run" },
    lambda = { default = 400, min = 1, max = 1e6, unit = "req/s", description = "Arrival rate" },
    mu = { default = 50, min = 0.001, max = 1e6, unit = "req/s", description = "Queries one connection serves per second" },
    permits = { default = 10, min = 1, max = 1000, unit = "connections", description = "Pool size" },
    shrunk_permits = { default = 0, min = 0, max = 1000, unit = "connections",
      description = "Pool size after the config change at the half (0: no change)" },
    every_s = { default = 10, min = 0.01, max = 3600, unit = "s", description = "Background job period" },
    hold_ms = { default = 500, min = 0, max = 1e5, unit = "ms", description = "Background job's hold" },
    count = { default = 20, min = 0, max = 1e4, unit = "items", description = "Items per request" },
    batch = { default = 1, min = 1, max = 1e4, unit = "items", description = "Items per round trip" },
    sized = { default = 1, min = 0, max = 1, unit = "", description = "1: queries grow with the request's size" },
    variation = { default = 0, min = 0, max = 2, unit = "",
      description = "Round trips' variation: 0 fixed, 1 exponential, 2 log-normal with cv 0.3" },
    duration_s = { default = 2500, min = 1, max = 1e6, unit = "s", description = "Run length" },
  },
  build = function(p)
    local steps
    local background = nil
    local permits = p.permits
    if p.part == 1 then
      steps = { lock { lock = "db-pool", permits = permits, frame = "store.Query",
                       wait { frame = "pgx.Query", ms = 1000 / p.mu, dist = "exp" } } }
    elseif p.part == 2 then
      steps = { lock { lock = "catalog.mu", frame = "catalog.Get", ms = 0 },
                wait { frame = "render", ms = 1 } }
      background = { { name = "catalog-refresh", lock = "catalog.mu", every_s = p.every_s, hold_ms = p.hold_ms } }
    elseif p.part == 3 then
      local dist = ({ [0] = "fixed", [1] = "exp", [2] = "lognormal" })[p.variation]
      steps = { queries { frame = "pgx.Query", count = p.count, batch = p.batch, rtt_ms = 1, sized = p.sized == 1,
                          dist = dist, cv = (dist == "lognormal") and 0.3 or nil } }
    elseif p.part == 4 then
      steps = { syscalls { frame = "syscall.fsync", count = p.count, batch = p.batch, ms = 0.01, block_ms = 2 } }
    else
      steps = { queries { frame = "pgx.Query", count = p.count, batch = p.batch, rtt_ms = 1 },
                syscalls { frame = "syscall.write", count = p.count, batch = p.batch, ms = 0.01 } }
    end
    local timeline = {}
    if p.shrunk_permits > 0 then
      timeline = { { at_s = p.duration_s / 2, phase = "shrunk", kind = "config", service = "api",
                     text = "db pool size lowered", set = { permits = p.shrunk_permits } } }
    end
    return {
      duration_s = p.duration_s,
      first_phase = "steady",
      trace_sample_rate = 0,
      service = { name = "api", root_frame = "main", cores = 64, workers = 100000, queue_limit = 100000,
                  gc = { enabled = false }, background = background },
      load = { rps = p.lambda },
      endpoints = {
        { name = "/work", share = 1, timeout_ms = 1e9, size_cv = (p.part == 3) and 1 or 0,
          root = span { name = "serve", table.unpack(steps) } },
      },
      timeline = timeline,
    }
  end,
}
