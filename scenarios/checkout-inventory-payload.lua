-- The /checkout inventory payload incident.
--
-- checkout-service calls inventory-service on every checkout. A deploy of
-- inventory-service starts returning full SKU objects instead of SKU ids, so
-- the response grows from 8 KB to 85 KB. checkout-service decodes all of it,
-- copies it into the payment request and into its own response, and so
-- allocates and serialises about ten times more per request. CPU per
-- checkout roughly doubles, the 4 cores go from half busy to nearly
-- saturated, and every span that needs the CPU stretches with them.
--
-- Calibration (per /checkout request, baseline -> incident): CPU 20 -> 40 ms,
-- allocation 141 -> 1065 KB, bytes marshalled 19 -> 173 KB.

local function marshal(frame, kb, p)
  return cpu { frame = frame, ms = p.marshal_ms_per_kb * kb, alloc_kb = 3 * kb, dist = "lognormal", cv = 0.3,
               sized = true }
end

return {
  id = "checkout-inventory-payload",
  title = "The /checkout inventory payload incident",
  params = {
    rps = { default = 234, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 4, min = 1, max = 256, unit = "cores", description = "CPU cores of checkout-service (GOMAXPROCS)" },
    inventory_payload_kb = { default = 8, min = 0.1, max = 4096, unit = "KB",
      description = "Size of inventory-service's /inventory response before the deploy" },
    incident_payload_kb = { default = 85, min = 0.1, max = 4096, unit = "KB",
      description = "Size of the /inventory response after the deploy" },
    marshal_ms_per_kb = { default = 0.0462, min = 0, max = 10, unit = "ms/KB",
      description = "CPU encoding/json.Marshal spends per KB it writes" },
    cart_size_cv = { default = 1.4, min = 0, max = 5, unit = "",
      description = "Spread of cart sizes: the SKU list, and all work proportional to it, scales with the cart" },
    gogc = { default = 100, min = 10, max = 1000, unit = "%", description = "Go GC target: heap growth before a cycle" },
    deploy_at_s = { default = 1800, min = 0, max = 86400, unit = "s", description = "When inventory-service deploys" },
    fix_at_s = { default = 5400, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 7200, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local payload = p.inventory_payload_kb
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.001,
      service = {
        name = "checkout-service", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 1024, queue_limit = 4096,
        gc = { enabled = true, gogc = p.gogc, live_heap_mb = 256,
               malloc_ns_per_kb = 3270, scan_ns_per_kb = 8000, stw_pause_ms = 0.4 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "/checkout", threshold_ms = 500, objective = 0.99,
              alerts = { { name = "checkout-slo-burn", burn_rate = 10, short_window_s = 300, long_window_s = 1800 } } },
      endpoints = {
        { name = "/checkout", share = 0.38, timeout_ms = 5000, size_cv = p.cart_size_cv, size_max = 8,
          client = { route = "/checkout", bundle_kb = 420, bandwidth_mbps = 12, ttfb_ms = 120,
                     parse_compile_ms_per_kb = 0.04, execute_ms = 150, device_cv = 0.5, inp_handler_ms = 60 },
          root = span { name = "handle_request", frame = "handlers.Checkout",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 3.0, dist = "lognormal", cv = 0.3 },
            cpu { frame = "net/http.(*conn).readRequest", ms = 1.5, dist = "lognormal", cv = 0.3, alloc_kb = 8 },
            span { name = "auth_check",
              cpu { frame = "auth.VerifyToken", ms = 0.5, dist = "lognormal", cv = 0.2 },
              wait { frame = "redis.(*Client).Get", ms = 4.5, dist = "lognormal", cv = 0.3 },
            },
            span { name = "order_query",
              queries { frame = "pgx.Query", count = 4, rtt_ms = 1.6, ms = 1.2, alloc_kb = 4, dist = "lognormal", cv = 0.4 },
            },
            span { name = "inventory_check",
              downstream { service = "inventory-service", rtt_ms = 2, remote_ms = 70, remote_ms_per_kb = 0.5,
                           payload_kb = payload, decode_ms_per_kb = 0.0314, decode_alloc_per_kb = 6,
                           dist = "lognormal", cv = 0.10, sized = true },
            },
            cpu { frame = "handlers.Checkout", ms = 2.4, dist = "lognormal", cv = 0.3 },
            span { name = "payment_call",
              marshal("encoding/json.Marshal", payload + 1, p),
              downstream { service = "payment-service", rtt_ms = 2, remote_ms = 70, payload_kb = 1,
                           decode_ms_per_kb = 0.0314, decode_alloc_per_kb = 6, dist = "lognormal", cv = 0.10 },
            },
            span { name = "serialise_response",
              marshal("encoding/json.Marshal", payload + 2, p),
              cpu { frame = "crypto/tls.(*Conn).Write", ms = 2.5, dist = "lognormal", cv = 0.3 },
              syscalls { frame = "syscall.Syscall", count = 12, ms = 0.125 },
              wait { frame = "net.(*conn).Write", ms = 0.4 * (payload + 2), dist = "lognormal", cv = 0.3, sized = true },
            },
            cpu { frame = "go.opentelemetry.io/otel/sdk/trace.(*recordingSpan).End", ms = 1.0, alloc_kb = 2 },
          } },
        { name = "/cart", share = 0.44, timeout_ms = 5000,
          root = span { name = "handle_cart", frame = "handlers.Cart",
            cpu { frame = "handlers.Cart", ms = 0.6, dist = "lognormal", cv = 0.4, alloc_kb = 6 },
            wait { frame = "redis.(*Client).Get", ms = 3.0, dist = "lognormal", cv = 0.3 },
            queries { frame = "pgx.Query", count = 2, rtt_ms = 1.5, ms = 0.3, dist = "lognormal", cv = 0.4 },
          } },
        { name = "/product", share = 0.18, timeout_ms = 5000,
          root = span { name = "handle_product", frame = "handlers.Product",
            cpu { frame = "handlers.Product", ms = 1.5, dist = "lognormal", cv = 0.4, alloc_kb = 10 },
            wait { frame = "redis.(*Client).Get", ms = 5.0, dist = "lognormal", cv = 0.3 },
          } },
      },
      timeline = {
        { at_s = p.deploy_at_s, phase = "incident", kind = "deploy", service = "inventory-service",
          text = string.format("/inventory response now sets include_full_sku_details: true "
                               .. "(full SKU objects instead of ids, %g KB -> %g KB per call)",
                               p.inventory_payload_kb, p.incident_payload_kb),
          set = { inventory_payload_kb = p.incident_payload_kb } },
      },
      fixes = {
        rollback = { title = "Roll back the inventory-service deploy", phase = "after_fix",
          text = "inventory-service returns SKU ids again",
          set = { inventory_payload_kb = p.inventory_payload_kb } },
      },
    }
  end,
}
