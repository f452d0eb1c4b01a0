-- processOrder is wide, but not with its own work.
--
-- order-service prices every order line by line in orders.processOrder. A
-- deploy adds a per-line price breakdown: for every line the loop now builds
-- a fresh map and a slice of adjustments and throws them away at the end of
-- the iteration. The CPU profile of POST /orders shows processOrder at about
-- 35% of CPU, but most of that is runtime.mallocgc and runtime.scanobject
-- called from inside the loop: the collector is paying for the loop's
-- garbage. Reusing the per-line scratch objects (a sync.Pool) removes most of
-- it; a cleverer loop only trims the small part that is the loop's own work.
--
-- Calibration (per POST /orders, incident): processOrder self 2 ms, GC under
-- it about 9.5 ms (40 lines x 25 KB), everything else about 21 ms of CPU:
-- about 33 ms in all, processOrder about 35% of it and 6% by itself.

local LINES_PER_ORDER = 40

-- A game day's inject fires `t` seconds into the run, moved with the
-- scenario's times and kept inside the run whatever they are set to.
local function inject_at(p, t) return math.max(0, math.min(t, p.duration_s)) end

return {
  id = "process-order-gc",
  title = "processOrder is hot, and the garbage collector is why",
  level = "middle",
  families = { "allocation-bound" },
  minutes = 20,
  pager = "POST /orders p99 creeping over its SLO since a deploy",
  goals = {
    "Read a wide frame down to its children before deciding what kind of work it is",
    "Switch from the CPU profile to the allocation profile when GC frames sit under a user function",
    "Predict with Amdahl's law what a faster loop can and cannot buy when most of the frame is GC",
    "Pick a gate that catches the next allocation regression in review",
  },
  params = {
    rps = { default = 130, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 4, min = 1, max = 256, unit = "cores", description = "CPU cores of order-service (GOMAXPROCS)" },
    loop_ms = { default = 2.0, min = 0, max = 100, unit = "ms",
      description = "processOrder's own CPU per order: the loop over lines, promotions and totals" },
    line_alloc_kb = { default = 2.5, min = 0, max = 1000, unit = "KB",
      description = "Bytes processOrder allocates per order line before the deploy" },
    incident_line_alloc_kb = { default = 25, min = 0, max = 1000, unit = "KB",
      description = "Bytes processOrder allocates per order line once it builds the price breakdown" },
    pooled_line_alloc_kb = { default = 2.0, min = 0, max = 1000, unit = "KB",
      description = "Bytes per order line that remain once the scratch objects come from a sync.Pool" },
    fraud_ms = { default = 5.0, min = 0, max = 100, unit = "ms", description = "CPU of the fraud score per order" },
    tax_ms = { default = 3.0, min = 0, max = 100, unit = "ms", description = "CPU of the tax computation per order" },
    inventory_remote_ms = { default = 10, min = 0, max = 10000, unit = "ms",
      description = "inventory-service's own time to reserve stock" },
    orders_per_page = { default = 1, min = 0.1, max = 100, unit = "x",
      description = "Work of GET /orders/{id} relative to today (lines rendered per order view)" },
    gogc = { default = 100, min = 10, max = 1000, unit = "%", description = "Go GC target: heap growth before a cycle" },
    order_size_cv = { default = 0.6, min = 0, max = 5, unit = "",
      description = "Spread of order sizes: per-line work and allocation scale with the number of lines" },
    deploy_at_s = { default = 600, min = 0, max = 86400, unit = "s", description = "When the price-breakdown deploy lands" },
    fix_at_s = { default = 1800, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 3000, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local line_kb = p.line_alloc_kb
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.002,
      service = {
        name = "order-service", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 512, queue_limit = 4096,
        gc = { enabled = true, gogc = p.gogc, live_heap_mb = 180,
               malloc_ns_per_kb = 2500, scan_ns_per_kb = 7000, stw_pause_ms = 0.3 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "POST /orders", threshold_ms = 100, objective = 0.99,
              alerts = { { name = "orders-slo-burn", burn_rate = 3, short_window_s = 300, long_window_s = 1800 } } },
      endpoints = {
        { name = "POST /orders", share = 0.55, timeout_ms = 5000, size_cv = p.order_size_cv, size_max = 6,
          root = span { name = "create_order", frame = "handlers.CreateOrder",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 1.2, dist = "lognormal", cv = 0.3 },
            cpu { frame = "encoding/json.Unmarshal", ms = 2.0, alloc_kb = 30, dist = "lognormal", cv = 0.3, sized = true },
            span { name = "auth",
              cpu { frame = "auth.VerifyToken", ms = 0.6, dist = "lognormal", cv = 0.2 },
              wait { frame = "redis.(*Client).Get", ms = 2.0, dist = "lognormal", cv = 0.3 },
            },
            span { name = "load_customer",
              queries { frame = "pgx.Query", count = 3, rtt_ms = 1.2, ms = 0.5, alloc_kb = 4, dist = "lognormal", cv = 0.4 },
            },
            span { name = "process_order",
              cpu { frame = "orders.processOrder", ms = p.loop_ms, alloc_kb = LINES_PER_ORDER * line_kb,
                    dist = "lognormal", cv = 0.3, sized = true },
            },
            span { name = "fraud_check",
              cpu { frame = "fraud.Score", ms = p.fraud_ms, dist = "lognormal", cv = 0.3 },
            },
            cpu { frame = "tax.Compute", ms = p.tax_ms, dist = "lognormal", cv = 0.3, sized = true },
            span { name = "reserve_stock",
              downstream { service = "inventory-service", rtt_ms = 1, remote_ms = p.inventory_remote_ms, payload_kb = 2,
                           decode_ms_per_kb = 0.05, decode_alloc_per_kb = 4, dist = "lognormal", cv = 0.2 },
            },
            span { name = "save_order",
              queries { frame = "pgx.Exec", count = 2, rtt_ms = 1.5, ms = 0.6, alloc_kb = 2, dist = "lognormal", cv = 0.4 },
            },
            cpu { frame = "encoding/json.Marshal", ms = 2.5, alloc_kb = 30, dist = "lognormal", cv = 0.3, sized = true },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 1.5, dist = "lognormal", cv = 0.3 },
            wait { frame = "net.(*conn).Write", ms = 0.5, dist = "lognormal", cv = 0.3 },
            cpu { frame = "go.uber.org/zap.(*Logger).Info", ms = 1.0, alloc_kb = 4 },
            cpu { frame = "go.opentelemetry.io/otel/sdk/trace.(*recordingSpan).End", ms = 0.8, alloc_kb = 2 },
          } },
        { name = "GET /orders/{id}", share = 0.45, timeout_ms = 5000,
          root = span { name = "get_order", frame = "handlers.GetOrder",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 0.6, dist = "lognormal", cv = 0.3 },
            wait { frame = "redis.(*Client).Get", ms = 1.5, dist = "lognormal", cv = 0.3 },
            queries { frame = "pgx.Query", count = 1, rtt_ms = 1.2, ms = 0.4, alloc_kb = 3, dist = "lognormal", cv = 0.4 },
            cpu { frame = "encoding/json.Marshal", ms = 1.0 * p.orders_per_page, alloc_kb = 10 * p.orders_per_page,
                  dist = "lognormal", cv = 0.3 },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.5, dist = "lognormal", cv = 0.3 },
          } },
      },
      timeline = {
        { at_s = p.deploy_at_s, phase = "incident", kind = "deploy", service = "order-service",
          text = "orders.processOrder: build a PriceBreakdown per line (new map[string]Money and "
              .. "[]Adjustment in every iteration)",
          set = { line_alloc_kb = p.incident_line_alloc_kb } },
      },
      fixes = {
        pool_scratch = { title = "Reuse the per-line scratch objects with a sync.Pool", phase = "after_fix", touches = "cause",
          text = "The loop no longer makes a new map and slice for every line: it takes them from a pool, "
              .. "clears them and puts them back. Allocation per order falls by more than ten times, so "
              .. "runtime.mallocgc and the mark assist under processOrder nearly disappear, the cores get "
              .. "a quarter of their time back, and every request that was waiting for CPU speeds up.",
          set = { line_alloc_kb = p.pooled_line_alloc_kb } },
        rewrite_loop = { title = "Rewrite processOrder's loop with a map lookup instead of a nested scan",
          phase = "after_fix", touches = "symptom",
          text = "The new algorithm cuts processOrder's own time in half, and a microbenchmark of the "
              .. "loop without allocation looks great. But the loop's own work was only about a sixth "
              .. "of the frame; the garbage it makes is unchanged, so the collector's share under "
              .. "processOrder stays, and p99 moves a little.",
          set = { loop_ms = p.loop_ms / 2 } },
        raise_gogc = { title = "Raise GOGC from 100 to 200", phase = "after_fix", touches = "symptom",
          text = "Collecting half as often halves the mark work per allocated byte, so runtime.scanobject "
              .. "shrinks and p99 improves somewhat. runtime.mallocgc stays, the heap target doubles on "
              .. "pods with little memory to spare, and processOrder still makes ten times the garbage it "
              .. "made last week: the next feature in the loop eats the headroom again.",
          set = { gogc = 200 } },
        scale_inventory = { title = "Add replicas to inventory-service", phase = "after_fix", touches = "elsewhere",
          text = "Stock reservation is a short remote call that nobody is queueing for; more replicas shave a "
              .. "couple of milliseconds off it. The CPU that the garbage collector burns inside "
              .. "order-service is untouched.",
          set = { inventory_remote_ms = p.inventory_remote_ms * 0.8 } },
      },
      bottlenecks = {
        { id = "process-order-garbage", title = "processOrder's loop makes garbage on every line",
          symptom = { endpoint = "POST /orders", metric = "p99", onset_s = p.deploy_at_s, side = "server" },
          stream = "alloc", hot_frame = "orders.processOrder", hot_span = "process_order",
          families = { "allocation-bound" },
          root_cause = "Since the price-breakdown deploy, orders.processOrder builds a new map and a new "
              .. "slice of adjustments for every order line and drops them at the end of the iteration: "
              .. "about 1 MB of short-lived garbage per order instead of 100 KB. The loop itself is cheap; "
              .. "allocating that memory and marking the heap while it grows (runtime.mallocgc and "
              .. "runtime.scanobject, charged to the allocating goroutine) is most of processOrder's width "
              .. "and a quarter of the service's CPU.",
          right_fixes = { "pool_scratch" },
          wrong_fixes = { "rewrite_loop", "raise_gogc", "scale_inventory" },
          hints = {
            observe = "Which endpoint's latency moved, and when? Did traffic grow, or did something ship?",
            profile = "Open the CPU flame graph of POST /orders and look at what is stacked on top of "
                   .. "processOrder, not only at its width.",
            classify = "If most of a function's width is runtime.mallocgc and runtime.scanobject, is it "
                    .. "doing work, or paying for memory it asked for? Which profile answers that?",
            predict = "Split processOrder into its own time and the GC under it. What is the best a loop "
                   .. "twice as fast can do to the total, and what does allocating a tenth as much do?",
            fix = "Look for objects the loop creates on each iteration and throws away at the end of it.",
            verify = "Compare allocation per order and the GC frames before and after, under the same load, "
                  .. "then check p99.",
            enforce = "Which check would notice a pull request that multiplies bytes allocated per order, "
                   .. "while it is still in review?",
            move_on = "With the garbage gone, what is the widest frame of POST /orders now, and is it worth a "
                   .. "change?",
          },
          debrief = "processOrder really was a third of the CPU, but most of that third was the runtime "
              .. "allocating and marking the loop's throwaway maps and slices. The frame named the place; "
              .. "the frames on top of it named the kind of work. The allocation profile pointed at the "
              .. "per-line PriceBreakdown, and reusing those objects took the collector out of the hot "
              .. "path. A faster loop would have been a good change aimed at the wrong cost." },
      },
      enforce = {
        gates = {
          { id = "alloc-benchmark", kind = "alloc-diff", title = "Benchmark gate: bytes allocated per order",
            endpoint = "POST /orders", threshold = 25, unit = "%",
            description = "Runs BenchmarkProcessOrder with -benchmem on every pull request and fails it when "
                       .. "bytes per order grow by more than a quarter. Cheap and stable: allocation counts do "
                       .. "not depend on the machine's noise." },
          { id = "gc-cpu-alert", kind = "alert", title = "Alert when GC takes a large share of CPU",
            endpoint = "POST /orders", threshold = 15, unit = "% of CPU",
            measure = "gc_cpu_pct", rule = "above",
            description = "Pages the team when runtime.mallocgc and mark assist exceed 15% of order-service's "
                       .. "CPU for fifteen minutes: after the deploy, but before the SLO burns." },
          { id = "gc-runbook", kind = "runbook", title = "Runbook: GC frames under a user function",
            threshold = 0, unit = "",
            description = "When runtime.scanobject or mallocgc sits on top of an application frame, take an "
                       .. "allocation profile before touching the algorithm, and diff it with the last release." },
          { id = "tight-load-test", kind = "load-test-p99", title = "Load test: p99 may not grow at all",
            endpoint = "POST /orders", threshold = 1, unit = "%",
            description = "A five-minute load test per pull request that fails on any p99 growth above 1%: "
                       .. "within the noise of such a short run, so it fails at random." },
          { id = "query-budget", kind = "query-count", title = "Query budget for POST /orders",
            endpoint = "POST /orders", threshold = 5, unit = "queries",
            description = "Fails a pull request that makes POST /orders issue more than five queries. Useful "
                       .. "elsewhere, but blind to the bytes a loop allocates." },
        },
        future = {
          { day = 12, title = "processOrder records a gift-wrap flag per line",
            text = "orders.Line: + GiftWrap bool (2.0 KB -> 2.1 KB per line)",
            set = { line_alloc_kb = p.pooled_line_alloc_kb * 1.05 }, harmful = false },
          { day = 26, title = "Per-line audit entries formatted with fmt.Sprintf",
            text = "orders.processOrder: + audit = append(audit, fmt.Sprintf(...)) per line (2 KB -> 14 KB per line)",
            set = { line_alloc_kb = 14 }, harmful = true },
          { day = 40, title = "tax.Compute learns the new EU VAT rules",
            text = "tax: + reduced-rate table lookup (3.0 ms -> 3.3 ms per order)",
            set = { tax_ms = p.tax_ms * 1.1 }, harmful = false },
          { day = 58, title = "processOrder copies the whole Order into each line's event",
            text = "orders.processOrder: events = append(events, LineEvent{Order: *o, ...}) (2 KB -> 30 KB per line)",
            set = { line_alloc_kb = 30 }, harmful = true },
          { day = 75, title = "Order view shows shipping estimates",
            text = "GET /orders/{id}: + shipping block in the response (+15%)",
            set = { orders_per_page = 1.15 }, harmful = false },
          { day = 96, title = "fraud.Score adds a device-fingerprint feature",
            text = "fraud: + device fingerprint model (5.0 ms -> 5.4 ms per order)",
            set = { fraud_ms = p.fraud_ms * 1.08 }, harmful = false },
        },
      },
      -- Game days: what the facilitator throws at the team. The SLO burn
      -- alert pages about 1,330 s after the deploy with the defaults.
      gameday = {
        injects = {
          { id = "inventory-deploy", at_s = inject_at(p, p.deploy_at_s + 300), kind = "deploy",
            service = "inventory-service",
            text = "release 5.2.0: stock reservations now written to the new regional tables" },
          { id = "pick-wave", at_s = inject_at(p, p.deploy_at_s + 1440), kind = "message",
            text = "Warehouse operations: the afternoon pick wave is cut in 40 minutes from the orders we have "
                .. "by then. How long will placing an order stay slow?" },
          { id = "storefront-page", at_s = inject_at(p, p.deploy_at_s + 1500), kind = "page",
            service = "storefront-web",
            text = "'Place order' response time over its objective for 15 minutes" },
          { id = "seller-tickets", at_s = inject_at(p, p.deploy_at_s + 1800), kind = "message",
            text = "Marketplace support: 25 sellers say their buyers wait on the order confirmation, "
                .. "and more keep writing in" },
        },
      },
    }
  end,
}
