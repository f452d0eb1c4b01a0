-- A small but complete scenario for the loader tests: every section, a
-- nested span tree, params used in build, a timeline and a fix.
local function fetch(name, kb)
  return span { name = name,
    downstream { service = "inventory-service", rtt_ms = 20, remote_ms = 50, payload_kb = kb,
                 decode_ms_per_kb = 0.1, decode_alloc_per_kb = 3, dist = "lognormal", cv = 0.3 },
  }
end

return {
  id = "loader-minimal",
  title = "Loader test: minimal checkout",
  params = {
    rps = { default = 400, min = 1, max = 100000, unit = "req/s", description = "Load" },
    payload_kb = { default = 8, min = 0, max = 4096, unit = "KB" },
    incident_payload_kb = { default = 85, min = 0, max = 4096, unit = "KB" },
  },
  build = function(p)
    return {
      duration_s = 7200,
      fix_at_s = 5400,
      profile_hz = 99,
      service = { name = "checkout-service", root_frame = "net/http.(*conn).serve", cores = 8, workers = 256,
                  gc = { gogc = 100, live_heap_mb = 64 } },
      load = { rps = p.rps, curve = { { 0, 1.0 }, { 3600, 1.2 } } },
      slo = { endpoint = "/checkout", threshold_ms = 500, objective = 0.99,
              alerts = { { name = "checkout-slo-burn", burn_rate = 6, short_window_s = 300, long_window_s = 1800 } } },
      endpoints = {
        { name = "/checkout", share = 0.4,
          root = span { name = "handle_request", frame = "handlers.Checkout",
            cpu { frame = "handlers.Checkout", ms = 1.0, dist = "lognormal", cv = 0.5, alloc_kb = 4 },
            span { name = "auth_check", wait { frame = "redis.(*Client).Get", ms = 3 } },
            span { name = "order_query", queries { frame = "pgx.Query", count = 4, rtt_ms = 1.0, ms = 1.2 } },
            fetch("inventory_check", p.payload_kb),
            span { name = "write",
              lock { lock = "cache.mu", frame = "cache.(*LRU).Get", ms = 0.2 },
              syscalls { frame = "syscall.write", count = 200, batch = 4, ms = 0.004 },
            },
          } },
        { name = "/cart", share = 0.6,
          root = span { name = "handle_cart", cpu { frame = "handlers.Cart", ms = 0.5, dist = "exp" } } },
      },
      timeline = {
        { at_s = 3600, phase = "recovery", kind = "config", text = "second event, listed first" },
        { at_s = 1800, phase = "incident", kind = "deploy", service = "inventory-service", text = "one-line diff",
          set = { payload_kb = p.incident_payload_kb } },
      },
      fixes = {
        rollback = { title = "Roll back inventory-service", text = "payload back to 8 KB", set = { payload_kb = 8 } },
      },
    }
  end,
}
