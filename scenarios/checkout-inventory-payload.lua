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
-- Calibration (per /checkout request, baseline -> incident): CPU 20 -> 42 ms,
-- allocation 141 -> 1065 KB, bytes marshalled 19 -> 173 KB; the cores go
-- from 48% to 92% busy. Cart sizes vary (cart_size_cv), which gives the
-- incident its long tail: p99 1.4 s while the median is 0.35 s.

local function marshal(frame, kb, p)
  return cpu { frame = frame, ms = p.marshal_ms_per_kb * kb, alloc_kb = 3 * kb, dist = "lognormal", cv = 0.3,
               sized = true }
end

-- A game day's inject fires `t` seconds into the run, moved with the
-- scenario's times and kept inside the run whatever they are set to.
local function inject_at(p, t) return math.max(0, math.min(t, p.duration_s)) end

return {
  id = "checkout-inventory-payload",
  title = "The /checkout inventory payload incident",
  level = "senior",
  families = { "allocation-bound", "io-n-plus-1" },
  minutes = 25,
  pager = "/checkout p99 over its SLO since a deploy",
  goals = {
    "Tell a symptom (GC and JSON encoding are hot) from its cause (an upstream response grew tenfold)",
    "Use Amdahl's law to see that fixing the hot frames alone cannot meet the SLO",
    "Correlate a trace where every span slowed down with the deploy log",
    "Choose gates that catch the next payload regression without blocking harmless changes",
  },
  params = {
    rps = { default = 222, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 4, min = 1, max = 256, unit = "cores", description = "CPU cores of checkout-service (GOMAXPROCS)" },
    inventory_payload_kb = { default = 8, min = 0.1, max = 4096, unit = "KB",
      description = "Size of inventory-service's /inventory response before the deploy" },
    incident_payload_kb = { default = 85, min = 0.1, max = 4096, unit = "KB",
      description = "Size of the /inventory response after the deploy" },
    inventory_limit_kb = { default = 100000, min = 1, max = 100000, unit = "KB",
      description = "Largest inventory response checkout-service accepts; bigger ones fail the request at once" },
    inventory_remote_ms = { default = 70, min = 0, max = 10000, unit = "ms",
      description = "inventory-service's own processing time per call" },
    payment_response_kb = { default = 1, min = 0.1, max = 4096, unit = "KB",
      description = "Size of payment-service's response" },
    checkout_bundle_kb = { default = 420, min = 1, max = 20000, unit = "KB",
      description = "JavaScript shipped to the /checkout page" },
    marshal_ms_per_kb = { default = 0.058, min = 0, max = 10, unit = "ms/KB",
      description = "CPU encoding/json.Marshal spends per KB it writes" },
    cart_size_cv = { default = 1.4, min = 0, max = 5, unit = "",
      description = "Spread of cart sizes: the SKU list, and all work proportional to it, scales with the cart" },
    gogc = { default = 100, min = 10, max = 1000, unit = "%", description = "Go GC target: heap growth before a cycle" },
    deploy_at_s = { default = 1800, min = 0, max = 86400, unit = "s", description = "When inventory-service deploys" },
    fix_at_s = { default = 5400, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 7200, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    -- The defensive size check turns an oversized response into a fast failure:
    -- nothing of it is decoded or copied any further.
    local accepted = p.inventory_payload_kb <= p.inventory_limit_kb
    local payload = accepted and p.inventory_payload_kb or 0
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
          client = { route = "/checkout", bundle_kb = p.checkout_bundle_kb, bandwidth_mbps = 12, ttfb_ms = 120,
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
              downstream { service = "inventory-service", rtt_ms = 2, remote_ms = p.inventory_remote_ms,
                           remote_ms_per_kb = 0.5, payload_kb = p.inventory_payload_kb,
                           decode_ms_per_kb = accepted and 0.0314 or 0, decode_alloc_per_kb = accepted and 6 or 0,
                           error_prob = accepted and 0 or 1,
                           dist = "lognormal", cv = 0.10, sized = true },
            },
            cpu { frame = "handlers.Checkout", ms = 2.4, dist = "lognormal", cv = 0.3 },
            span { name = "payment_call",
              marshal("encoding/json.Marshal", payload + 1, p),
              downstream { service = "payment-service", rtt_ms = 2, remote_ms = 70, payload_kb = p.payment_response_kb,
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
        rollback = { title = "Revert inventory-service to its previous release", phase = "after_fix", touches = "cause",
          text = "Undoing the deploy removes the cause: inventory-service answers with SKU ids again, so "
              .. "checkout-service decodes, copies and encodes a tenth of the bytes. Allocation, GC work, "
              .. "JSON encoding and the load on the cores all fall back to where they were.",
          set = { inventory_payload_kb = p.inventory_payload_kb } },
        rollback_and_guard = { title = "Roll back, and refuse inventory responses over 64 KB", phase = "after_fix",
          touches = "cause",
          text = "The rollback removes the cause; the size check keeps the next oversized response from "
              .. "reaching the JSON decoder at all. Alone, the check would only turn slow checkouts into "
              .. "failed ones; with the rollback it is a seat belt that costs nothing while responses stay small.",
          set = { inventory_payload_kb = p.inventory_payload_kb, inventory_limit_kb = 64 } },
        tune_gc = { title = "Raise GOGC from 100 to 400", phase = "after_fix", touches = "symptom",
          text = "Collecting less often cuts the mark work per allocated byte, so runtime.scanobject shrinks. "
              .. "But the service still decodes 85 KB per call and marshals it twice, and the bytes still "
              .. "cross the network: the hot frame moves, the cause stays, and the heap grows.",
          set = { gogc = 400 } },
        faster_json = { title = "Switch to a faster JSON library", phase = "after_fix", touches = "symptom",
          text = "A faster encoder halves encoding/json.Marshal, a real saving on the hottest user frame. "
              .. "Allocation and GC work from decoding stay, and so does the 85 KB nobody needed: the "
              .. "prediction from Amdahl's law on these frames alone leaves p99 far above the SLO.",
          set = { marshal_ms_per_kb = p.marshal_ms_per_kb / 2 } },
        scale_inventory = { title = "Add replicas to inventory-service", phase = "after_fix", touches = "elsewhere",
          text = "inventory-service is not short of capacity; its own processing time is a small part of "
              .. "the inventory_check span. More replicas shave a few milliseconds off the call and leave "
              .. "the payload, and so every cost in checkout-service, exactly as it was.",
          set = { inventory_remote_ms = p.inventory_remote_ms * 0.85 } },
      },
      bottlenecks = {
        { id = "inventory-payload", title = "An upstream response grew tenfold",
          symptom = { endpoint = "/checkout", metric = "p99", onset_s = p.deploy_at_s, side = "server" },
          stream = "cpu", hot_frame = "runtime.scanobject", hot_span = "inventory_check",
          families = { "allocation-bound", "io-n-plus-1" },
          root_cause = "The inventory-service deploy made /inventory return full SKU objects instead of ids: "
              .. "85 KB instead of 8 KB per call. checkout-service decodes all of it, copies it into the "
              .. "payment request and its own response, so allocation, GC and JSON encoding grow tenfold "
              .. "and the cores saturate; every span that needs the CPU stretches with them.",
          right_fixes = { "rollback", "rollback_and_guard" },
          wrong_fixes = { "tune_gc", "faster_json", "scale_inventory" },
          hints = {
            observe = "Which /checkout figure moved, and did traffic or errors move with it? Compare the "
                   .. "server's latency with what browsers report.",
            profile = "A CPU profile of /checkout over the slow hours, next to one from before: which "
                   .. "frames grew, and are they doing the work or paying for it?",
            classify = "GC frames and JSON encoding grew together. What makes both grow at once?",
            predict = "Amdahl's law on the GC and Marshal share gives the best case for fixing those frames. "
                   .. "Does that best case meet the 500 ms objective?",
            fix = "Look at the deploy log around the onset, and at the sizes of what crosses the wire.",
            verify = "After the change, did the hot frames shrink and did p99 come back under the SLO, under the same load?",
            enforce = "Which check would have stopped this deploy, or paged before the SLO burned, without "
                   .. "blocking every response that grows a little?",
            move_on = "With p99 back at its baseline, what is the widest frame now?",
          },
          debrief = "The profile was honest but it showed effects: garbage collection and JSON encoding were "
              .. "busy because far more bytes were flowing through checkout-service. Fixing those frames "
              .. "would have helped some and hidden the cause. The trace, where every span stretched, and "
              .. "the deploy log, with an inventory-service change minutes before the burn, pointed "
              .. "upstream. Rolling back removed the bytes and with them every symptom at once." },
      },
      enforce = {
        gates = {
          { id = "payload-contract", kind = "payload-contract", title = "Contract test: response size",
            endpoint = "/checkout", threshold = 2, unit = "x median",
            description = "Every service that answers checkout keeps a contract test on the size of its "
                       .. "responses. A change that doubles the typical body fails the build until someone "
                       .. "from SRE signs it off." },
          { id = "payload-alert", kind = "alert", title = "Alert on downstream payload p99",
            endpoint = "/checkout", threshold = 50, unit = "% week over week",
            measure = "payload_kb_p99", rule = "growth",
            description = "Tracks how many bytes each downstream call returns. If the 99th percentile is "
                       .. "half as large again as a week ago, the team that owns the caller is paged: the "
                       .. "payload is noticed while latency still looks fine." },
          { id = "upstream-runbook", kind = "runbook", title = "Runbook: every span slower at once",
            description = "Symptom: /checkout slow while traffic is flat, with every span in its traces "
                       .. "longer than usual. First look: the deploy log of the services checkout calls, "
                       .. "and whether any of them changed what it returns." },
          { id = "tight-load-test", kind = "load-test-p99", title = "Load test: p99 may not grow at all",
            endpoint = "/checkout", threshold = 1, unit = "%",
            description = "Runs a short load test on every pull request and fails it if p99 grows by more "
                       .. "than 1%: within the noise of a short run." },
          { id = "checkout-bundle", kind = "bundle-budget", title = "Bundle budget for the /checkout page",
            endpoint = "/checkout", threshold = 430, unit = "KB",
            description = "Fails a pull request that grows the /checkout JavaScript beyond 430 KB." },
        },
        future = {
          { day = 21, title = "inventory-service adds a warehouse id to each SKU entry",
            text = "/inventory: + warehouse_id per SKU (8 KB -> 9.5 KB)",
            set = { inventory_payload_kb = p.inventory_payload_kb * 1.19 }, harmful = false },
          { day = 35, title = "payment-service returns the full card-network record",
            text = "/authorize: + network_metadata and issuer risk data (1 KB -> 120 KB)",
            set = { payment_response_kb = 120 }, harmful = true },
          { day = 50, title = "The checkout page gets an address autocomplete widget",
            text = "checkout.js: + address-autocomplete (420 KB -> 480 KB)",
            set = { checkout_bundle_kb = 480 }, harmful = false },
          { day = 70, title = "inventory-service embeds product images in the response",
            text = "/inventory: + images (base64) per SKU (8 KB -> 60 KB)",
            set = { inventory_payload_kb = 60 }, harmful = true },
          { day = 90, title = "inventory-service packs SKU ids more tightly",
            text = "/inventory: ids as integers (8 KB -> 6 KB)",
            set = { inventory_payload_kb = 6 }, harmful = false },
          { day = 120, title = "payment-service adds 3-D Secure challenge data",
            text = "/authorize: + challenge (1 KB -> 1.6 KB)",
            set = { payment_response_kb = 1.6 }, harmful = false },
        },
      },
      -- Game days: what the facilitator throws at the team. The SLO burn
      -- alert pages about 1,060 s after the deploy with the defaults.
      gameday = {
        injects = {
          { id = "promotions-deploy", at_s = inject_at(p, p.deploy_at_s + 360), kind = "deploy",
            service = "promotions-service",
            text = "release 2.31.0: coupon eligibility now evaluated by the new rules engine" },
          { id = "exec-eta", at_s = inject_at(p, p.deploy_at_s + 1500), kind = "message",
            text = "Director of e-commerce: the exec channel is asking about checkout. What do we know so far, "
                .. "and when will it be back to normal?" },
          { id = "conversion-page", at_s = inject_at(p, p.deploy_at_s + 1800), kind = "page",
            service = "growth-analytics",
            text = "Checkout conversion 9% below the same hour last week (alerts at 5%)" },
          { id = "support-tickets", at_s = inject_at(p, p.deploy_at_s + 2400), kind = "message",
            text = "Support lead: 37 tickets in the last hour about the pay button spinning for seconds. "
                .. "Can someone write a status page update?" },
        },
      },
    }
  end,
}
