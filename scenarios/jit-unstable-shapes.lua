-- computeTotal falls out of optimised code.
--
-- cart-service is a Node.js service: one event loop, one core. Every price
-- request sums the cart's line items in pricing.computeTotal, a tight loop
-- over property reads that V8 has long compiled to optimised machine code.
-- A deploy of the promotions integration starts building line items with
-- object spread and optional fields: a line gets `discount` only when a
-- promotion applies, `seller` only for marketplace items, and the fields
-- arrive in different orders. The loop now sees seven hidden classes where
-- it saw one; its property loads go megamorphic, the optimised code is
-- thrown away again and again, and V8 gives up and leaves computeTotal in
-- the interpreter. The function does exactly the same work about nine times
-- slower, the event loop goes from a quarter busy to nearly saturated, and
-- every request on it waits.
--
-- Tiers are chosen by build(p) from line_shapes: one shape runs optimised,
-- two to four run optimised with polymorphic property loads (slower), more
-- than four run in the interpreter with megamorphic loads.
--
-- Calibration (seed 1): POST /cart/price CPU about 2.6 -> 8.2 ms per
-- request; event loop 25% -> 72% busy; p99 18 ms -> 164 ms -> 18 ms once
-- every line item has the same shape.

local MAX_POLYMORPHIC = 4  -- V8 keeps at most four maps in an inline cache

return {
  id = "jit-unstable-shapes",
  title = "Unstable object shapes knock computeTotal out of optimised code",
  level = "senior",
  families = { "jit-deopt" },
  minutes = 25,
  pager = "POST /cart/price p99 over its SLO since a deploy",
  goals = {
    "Recognise interpreter and megamorphic-IC frames where optimised code used to be",
    "Connect a JIT deoptimisation to a change in the shape of the data, not in the function",
    "Predict why more vCPUs or a faster thread pool cannot help a saturated single event loop",
    "Choose gates that catch the next shape change without blocking harmless ones",
  },
  params = {
    rps = { default = 120, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    line_shapes = { default = 1, min = 1, max = 64, unit = "shapes",
      description = "Hidden classes (object shapes) of the line items that reach pricing.computeTotal" },
    incident_line_shapes = { default = 7, min = 1, max = 64, unit = "shapes",
      description = "Hidden classes of line items once promotions builds them with optional fields" },
    total_ms = { default = 0.7, min = 0, max = 1000, unit = "ms",
      description = "CPU of pricing.computeTotal per request in optimised code with one shape" },
    polymorphic_factor = { default = 1.5, min = 1, max = 100, unit = "x",
      description = "Slowdown of optimised computeTotal when its loads see two to four shapes" },
    interpreter_factor = { default = 9, min = 1, max = 100, unit = "x",
      description = "Slowdown of computeTotal once V8 stops optimising it (interpreter, megamorphic loads)" },
    tax_ms = { default = 0.8, min = 0, max = 1000, unit = "ms", description = "CPU of pricing.applyTax per request" },
    cpu_speed = { default = 1.0, min = 0.1, max = 10, unit = "x", description = "Single-core speed of the instance" },
    deflate_ms = { default = 1.0, min = 0, max = 1000, unit = "ms",
      description = "Wait for the response to be compressed on the libuv thread pool" },
    cart_size_cv = { default = 0.7, min = 0, max = 5, unit = "",
      description = "Spread of cart sizes: computeTotal's work scales with the number of lines" },
    deploy_at_s = { default = 600, min = 0, max = 86400, unit = "s", description = "When the promotions change deploys" },
    fix_at_s = { default = 1200, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 1800, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local function c(ms) return ms / p.cpu_speed end
    -- Which tier computeTotal runs in, from how many shapes its loads see.
    local optimized_ms, interpreted_ms, megamorphic_ms = 0, 0, 0
    if p.line_shapes <= 1 then
      optimized_ms = p.total_ms
    elseif p.line_shapes <= MAX_POLYMORPHIC then
      optimized_ms = p.total_ms * p.polymorphic_factor
    else
      local slow = p.total_ms * p.interpreter_factor
      interpreted_ms, megamorphic_ms = 0.7 * slow, 0.3 * slow
    end
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.005,
      service = {
        name = "cart-service", root_frame = "(root)",
        cores = 1, workers = 2048, queue_limit = 4096,  -- one event loop; concurrency is async
        gc = { enabled = false },
      },
      load = { rps = p.rps },
      slo = { endpoint = "POST /cart/price", threshold_ms = 60, objective = 0.99,
              alerts = { { name = "cart-price-slo-burn", burn_rate = 6, short_window_s = 300, long_window_s = 600 } } },
      endpoints = {
        { name = "POST /cart/price", share = 0.7, timeout_ms = 5000, size_cv = p.cart_size_cv, size_max = 6,
          root = span { name = "price_cart", frame = "routes/cart.priceCart",
            cpu { frame = "JSON.parse", ms = c(0.5), dist = "lognormal", cv = 0.3, sized = true },
            span { name = "session",
              wait { frame = "RedisClient.get", ms = 1.2, dist = "lognormal", cv = 0.3 },
            },
            span { name = "load_promotions",
              wait { frame = "undici.request", ms = 5, dist = "lognormal", cv = 0.2 },
              cpu { frame = "JSON.parse", ms = c(0.2), dist = "lognormal", cv = 0.3 },
            },
            span { name = "compute_total",
              cpu { frame = "(optimized) pricing.computeTotal", ms = c(optimized_ms), dist = "lognormal", cv = 0.2,
                    sized = true },
              cpu { frame = "(interpreted) pricing.computeTotal", ms = c(interpreted_ms), dist = "lognormal",
                    cv = 0.2, sized = true },
              cpu { frame = "Builtins_LoadIC_Megamorphic", ms = c(megamorphic_ms), dist = "lognormal", cv = 0.2,
                    sized = true },
            },
            span { name = "apply_tax",
              cpu { frame = "pricing.applyTax", ms = c(p.tax_ms), dist = "lognormal", cv = 0.3 },
            },
            cpu { frame = "JSON.stringify", ms = c(0.4), dist = "lognormal", cv = 0.3, sized = true },
            wait { frame = "zlib.deflate (libuv threadpool)", ms = p.deflate_ms, dist = "lognormal", cv = 0.3 },
          } },
        { name = "GET /cart", share = 0.3, timeout_ms = 5000,
          root = span { name = "get_cart", frame = "routes/cart.getCart",
            wait { frame = "RedisClient.get", ms = 1.2, dist = "lognormal", cv = 0.3 },
            cpu { frame = "cart.render", ms = c(0.6), dist = "lognormal", cv = 0.3 },
            cpu { frame = "JSON.stringify", ms = c(0.3), dist = "lognormal", cv = 0.3 },
          } },
      },
      timeline = {
        { at_s = p.deploy_at_s, phase = "incident", kind = "deploy", service = "cart-service",
          text = "promotions: line = { ...base, ...(promo && { discount }), ...(seller && { seller }) } "
              .. "(optional fields, varying order)",
          set = { line_shapes = p.incident_line_shapes } },
      },
      fixes = {
        stable_shapes = { touches = "cause", title = "Build every line item with one factory, all fields always present",
          phase = "after_fix",
          text = "A single makeLine() sets every field in the same order, with discount: 0 and seller: null "
              .. "when they do not apply. All line items share one hidden class again, computeTotal's loads "
              .. "become monomorphic, V8 optimises the function and keeps it optimised, and the loop is back "
              .. "to a fraction of a millisecond. The event loop has room again and every request speeds up.",
          set = { line_shapes = 1 } },
        rollback = { touches = "cause", title = "Roll back the promotions change", phase = "after_fix",
          text = "Without the optional fields the line items have one shape again and computeTotal is "
              .. "optimised as before. The promotions feature is gone until it ships with stable shapes.",
          set = { line_shapes = p.line_shapes } },
        bigger_instance = { touches = "symptom", title = "Move cart-service to an instance with four times the vCPUs",
          phase = "after_fix",
          text = "The new instance type has a slightly faster core, so JavaScript runs a few percent faster, "
              .. "and on a loop this close to full that trims the queue a little. The other vCPUs sit idle: "
              .. "one Node.js process runs JavaScript on one event loop, and that loop still spends most of "
              .. "its time interpreting computeTotal.",
          set = { cpu_speed = 1.05 } },
        memoize_tax = { touches = "symptom", title = "Memoise the tax lookup per region", phase = "after_fix",
          text = "applyTax no longer walks the rate table on every request, which saves most of a "
              .. "millisecond of event-loop time. That helps a little, because anything that frees the loop "
              .. "helps, but the loop is busy with the interpreted computeTotal, which is untouched.",
          set = { tax_ms = p.tax_ms * 0.25 } },
        threadpool = { touches = "elsewhere", title = "Raise UV_THREADPOOL_SIZE from 4 to 16", phase = "after_fix",
          text = "More libuv threads compress responses with less queueing, shaving a fraction of a "
              .. "millisecond off each request. JavaScript does not run on those threads: the event loop, "
              .. "where the time goes, is exactly as busy as before.",
          set = { deflate_ms = p.deflate_ms * 0.8 } },
      },
      bottlenecks = {
        { id = "megamorphic-total", title = "Line items with unstable shapes deoptimise computeTotal",
          symptom = { endpoint = "POST /cart/price", metric = "p99", onset_s = p.deploy_at_s, side = "server" },
          stream = "cpu", hot_frame = "(interpreted) pricing.computeTotal", hot_span = "compute_total",
          families = { "jit-deopt" },
          root_cause = "Since the promotions deploy, line items are built with object spread and optional "
              .. "fields, so they come in seven hidden classes instead of one. The property loads in "
              .. "pricing.computeTotal go megamorphic, the optimised code deoptimises on the unexpected maps "
              .. "until V8 stops re-optimising it, and the function runs in the interpreter about nine times "
              .. "slower. On a single event loop that extra CPU takes it from a quarter busy to nearly full, "
              .. "and every request waits for it.",
          right_fixes = { "stable_shapes", "rollback" },
          wrong_fixes = { "bigger_instance", "memoize_tax", "threadpool" },
          hints = {
            observe = "POST /cart/price slowed down; did GET /cart, which does not price anything, slow too? "
                   .. "What does that say about a shared resource?",
            profile = "Compare the CPU profiles before and after the deploy. Is computeTotal the same frame, "
                   .. "in the same tier, as last week?",
            classify = "The hot loop now shows up as interpreted, next to a megamorphic load builtin. Is the "
                    .. "function doing more work, or the same work in a slower tier? What would "
                    .. "--trace-deopt print?",
            predict = "How much of the event loop did computeTotal take optimised, and how much now? What "
                   .. "happens to waiting when a single loop goes from a quarter to four fifths busy?",
            fix = "The function did not change. Look at how the objects it reads are built since the deploy, "
                 .. "and in how many different layouts they arrive.",
            verify = "After the change, is computeTotal back in the optimised tier in the profile, and is p99 "
                  .. "back under the same load? Run it long enough for V8 to optimise.",
            enforce = "Which check would notice a function leaving optimised code, or the loop's time per "
                   .. "request growing, before production does?",
            move_on = "With computeTotal optimised again, what takes the event loop's time now?",
          },
          debrief = "Nothing in computeTotal changed, yet it became the widest frame: the profile showed it "
              .. "in the interpreter with Builtins_LoadIC_Megamorphic beside it, the signature of a function "
              .. "V8 could no longer keep optimised. The cause was the data: line items built with optional "
              .. "spread fields came in many shapes. Giving every line the same fields in the same order let "
              .. "the JIT do its job again. Extra vCPUs, thread-pool threads and a cache elsewhere could not "
              .. "help a single event loop busy interpreting one hot loop." },
      },
      enforce = {
        gates = {
          { id = "price-load-test", kind = "load-test-p99", title = "Load test: POST /cart/price p99",
            endpoint = "POST /cart/price", threshold = 20, unit = "%",
            description = "Replays a recorded mix of carts for ten minutes on every release candidate, after a "
                       .. "warm-up so the JIT has settled, and fails when p99 grows by more than a fifth." },
          { id = "deopt-alert", kind = "alert", title = "Alert on event-loop utilisation",
            endpoint = "POST /cart/price", threshold = 60, unit = "% event loop busy",
            measure = "cpu_pct", rule = "above",
            description = "Pages when the event loop is busy more than 60% of the time for fifteen minutes. "
                       .. "A single loop queues everything behind it long before a CPU graph of four vCPUs "
                       .. "looks worrying." },
          { id = "shape-runbook", kind = "runbook", title = "Runbook: interpreter frames in a hot path",
            description = "When a hot function shows up as interpreted or next to megamorphic IC builtins, run "
                       .. "it with --trace-deopt and look at how its arguments are built before rewriting it." },
          { id = "tight-load-test", kind = "load-test-p99", title = "Load test: p99 may not grow at all",
            endpoint = "POST /cart/price", threshold = 1, unit = "%",
            description = "Fails a release when p99 grows by more than 1% in a three-minute run without "
                       .. "warm-up. JIT tiering alone moves p99 more than that, so it fails at random." },
          { id = "query-budget", kind = "query-count", title = "Downstream call budget for POST /cart/price",
            endpoint = "POST /cart/price", threshold = 2, unit = "calls",
            description = "Fails a change that adds downstream calls to pricing. It cannot see the shape of the "
                       .. "objects those calls return." },
        },
        future = {
          { day = 8, title = "applyTax learns a new state's rules",
            text = "pricing.applyTax: + Colorado retail delivery fee (+10%)",
            set = { tax_ms = p.tax_ms * 1.1 }, harmful = false },
          { day = 19, title = "Marketplace lines get `seller` only when present",
            text = "cart: if (item.sellerId) line.seller = lookupSeller(item.sellerId)",
            set = { line_shapes = 5 }, harmful = true },
          { day = 31, title = "computeTotal also sums deposit fees",
            text = "pricing.computeTotal: + total += line.deposit (+5%)",
            set = { total_ms = p.total_ms * 1.05 }, harmful = false },
          { day = 46, title = "A cleanup deletes a temporary field from each line",
            text = "cart: delete line._raw before pricing (every line drops to dictionary mode)",
            set = { line_shapes = 12 }, harmful = true },
          { day = 60, title = "Traffic grows a fifth after a marketing push",
            text = "load: 120 -> 144 req/s",
            set = { rps = p.rps * 1.2 }, harmful = false },
          { day = 77, title = "Subscriptions add a second line-item class",
            text = "cart: class SubscriptionLine with the same fields plus interval (2 shapes, polymorphic)",
            set = { line_shapes = 2 }, harmful = false },
        },
      },
    }
  end,
}
