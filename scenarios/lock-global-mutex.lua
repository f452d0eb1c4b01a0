-- Quotes queue behind one currency-table mutex.
--
-- pricing-service converts every quote into the shopper's currency through
-- fx.RateCache, a process-wide cache guarded by a single sync.Mutex (fx.mu).
-- Taking the lock used to cost a map lookup. A deploy makes Get hand out a
-- private copy of the whole cross-rate table so that callers cannot mutate
-- shared state, and it makes that copy while still holding fx.mu. Every
-- quote and every rates request now holds the lock for about 6 ms, one at a
-- time: the lock is busy close to 90% of the time, requests line up behind
-- it, p99 goes up ninefold, and the cores stay mostly idle. The CPU profile
-- shows the copy, but 6 ms of CPU cannot explain 100 ms; the off-CPU (mutex)
-- profile shows the queue: about 20 ms per quote under sync.(*Mutex).Lock.
--
-- Calibration (defaults, seed 1): 150 req/s; lock hold 0.1 ms -> 5.8 ms, so
-- the lock is busy 1.5% -> 87% of the time; 8 cores 7% -> 18% busy;
-- POST /quote p99 11 ms -> 106 ms -> 11 ms after the snapshot fix.

-- A game day's inject fires `t` seconds into the run, moved with the
-- scenario's times and kept inside the run whatever they are set to.
local function inject_at(p, t) return math.max(0, math.min(t, p.duration_s)) end

return {
  id = "lock-global-mutex",
  title = "Quotes wait in line for one currency-table lock",
  level = "middle",
  families = { "lock-bound" },
  minutes = 15,
  pager = "POST /quote p99 over its SLO since a deploy",
  goals = {
    "Notice that latency can climb while the cores sit idle, and ask what requests wait for",
    "Read an off-CPU (mutex) profile and find the lock and the critical section behind the wait",
    "Predict from the lock's busy share why more cores or more workers cannot shorten the queue",
    "Choose a gate that sees contention, which only shows up under concurrent load",
  },
  params = {
    rps = { default = 150, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 8, min = 1, max = 256, unit = "cores", description = "CPU cores of pricing-service (GOMAXPROCS)" },
    hold_ms = { default = 0.1, min = 0, max = 1000, unit = "ms",
      description = "CPU spent inside fx.mu per RateCache.Get call before the deploy" },
    incident_hold_ms = { default = 5.8, min = 0, max = 1000, unit = "ms",
      description = "CPU spent inside fx.mu per call once Get deep-copies the cross-rate table under the lock" },
    pricing_ms = { default = 2.0, min = 0, max = 1000, unit = "ms", description = "CPU of pricing.Compute per quote" },
    cart_queries = { default = 2, min = 0, max = 100, unit = "queries",
      description = "Postgres round trips per quote to load the cart and the customer" },
    db_rtt_ms = { default = 1.0, min = 0, max = 1000, unit = "ms", description = "Round trip to Postgres per query" },
    session_ms = { default = 1.5, min = 0, max = 1000, unit = "ms", description = "Wait for the session lookup in Redis" },
    rates_ms = { default = 0.4, min = 0, max = 1000, unit = "ms",
      description = "CPU to encode the GET /rates response (grows with the number of currencies)" },
    deploy_at_s = { default = 500, min = 0, max = 86400, unit = "s", description = "When the defensive-copy deploy lands" },
    fix_at_s = { default = 1000, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 1500, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.005,
      service = {
        name = "pricing-service", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 1024, queue_limit = 4096,
        gc = { enabled = true, gogc = 100, live_heap_mb = 96, malloc_ns_per_kb = 2000, scan_ns_per_kb = 5000,
               stw_pause_ms = 0.2 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "POST /quote", threshold_ms = 40, objective = 0.99,
              alerts = { { name = "quote-slo-burn", burn_rate = 10, short_window_s = 300, long_window_s = 900 } } },
      endpoints = {
        { name = "POST /quote", share = 0.75, timeout_ms = 3000,
          root = span { name = "quote", frame = "handlers.Quote",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 0.4, dist = "lognormal", cv = 0.3 },
            cpu { frame = "encoding/json.Unmarshal", ms = 0.6, alloc_kb = 12, dist = "lognormal", cv = 0.3 },
            span { name = "session",
              wait { frame = "redis.(*Client).Get", ms = p.session_ms, dist = "lognormal", cv = 0.3 },
            },
            span { name = "load_cart",
              queries { frame = "pgx.Query", count = p.cart_queries, rtt_ms = p.db_rtt_ms, ms = 0.3, alloc_kb = 4,
                        dist = "lognormal", cv = 0.4 },
            },
            span { name = "convert_currency",
              lock { lock = "fx.mu", frame = "fx.(*RateCache).Get", ms = p.hold_ms, dist = "lognormal", cv = 0.2 },
            },
            span { name = "price",
              cpu { frame = "pricing.Compute", ms = p.pricing_ms, alloc_kb = 20, dist = "lognormal", cv = 0.3 },
            },
            cpu { frame = "encoding/json.Marshal", ms = 0.6, alloc_kb = 10, dist = "lognormal", cv = 0.3 },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.3, dist = "lognormal", cv = 0.3 },
          } },
        { name = "GET /rates", share = 0.25, timeout_ms = 3000,
          root = span { name = "rates", frame = "handlers.Rates",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 0.3, dist = "lognormal", cv = 0.3 },
            lock { lock = "fx.mu", frame = "fx.(*RateCache).Get", ms = p.hold_ms, dist = "lognormal", cv = 0.2 },
            cpu { frame = "encoding/json.Marshal", ms = p.rates_ms, alloc_kb = 8, dist = "lognormal", cv = 0.3 },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.2, dist = "lognormal", cv = 0.3 },
          } },
      },
      timeline = {
        { at_s = p.deploy_at_s, phase = "incident", kind = "deploy", service = "pricing-service",
          text = "fx.(*RateCache).Get: return a deep copy of the cross-rate table, made while fx.mu is held",
          set = { hold_ms = p.incident_hold_ms } },
      },
      fixes = {
        snapshot = { touches = "cause", title = "Publish the rate table as an immutable snapshot behind an atomic pointer",
          phase = "after_fix",
          text = "The refresher builds a new table and swaps it in with atomic.Pointer.Store; Get loads the "
              .. "pointer and reads, without a copy and almost without the lock. Nobody can mutate a table "
              .. "nobody writes to, which was the point of the copy. The critical section shrinks from "
              .. "milliseconds to microseconds, the queue in front of fx.mu empties, and p99 returns to "
              .. "where it was.",
          set = { hold_ms = 0.02 } },
        rollback = { touches = "cause", title = "Roll back the defensive-copy deploy", phase = "after_fix",
          text = "Get goes back to a map lookup under the lock: the lock is busy a few percent of the time "
              .. "again and quotes stop queueing for it. It reopens the question the copy tried to answer, "
              .. "so the snapshot is the lasting fix.",
          set = { hold_ms = p.hold_ms } },
        more_cores = { touches = "elsewhere", title = "Move pricing-service to 16 cores", phase = "after_fix",
          text = "The cores were mostly idle already. fx.mu admits one request at a time however many cores "
              .. "are waiting, so the lock stays busy nine tenths of the time and the queue behind it stays "
              .. "as long. The bill doubles; the mutex profile does not change.",
          set = { cores = 16 } },
        cache_cart = { touches = "elsewhere", title = "Cache the cart and customer lookups in Redis", phase = "after_fix",
          text = "Two database round trips become one Redis read, which saves about a millisecond per quote. "
              .. "That is a real saving on a span nobody was waiting for: requests still spend tens of "
              .. "milliseconds in line for fx.mu, and p99 barely moves.",
          set = { cart_queries = 0, session_ms = p.session_ms + 0.8 } },
      },
      bottlenecks = {
        { id = "fx-mutex", title = "A deep copy inside a global critical section",
          symptom = { endpoint = "POST /quote", metric = "p99", onset_s = p.deploy_at_s, side = "server" },
          stream = "offcpu", hot_frame = "sync.(*Mutex).Lock", hot_span = "convert_currency",
          families = { "lock-bound" },
          root_cause = "The deploy made fx.(*RateCache).Get copy the whole cross-rate table, a map of maps with "
              .. "tens of thousands of entries, while holding fx.mu, the one mutex every quote and every "
              .. "rates request takes. Each call now keeps the lock for about 6 ms; at 150 calls a second the "
              .. "lock is busy nearly 90% of the time, so requests spend far longer waiting for it than "
              .. "working, and the cores have little to do.",
          right_fixes = { "snapshot", "rollback" },
          wrong_fixes = { "more_cores", "cache_cart" },
          hints = {
            observe = "p99 of POST /quote jumped. Did traffic, errors or CPU utilisation move with it?",
            profile = "The CPU profile finds a few milliseconds of new work per quote, not a hundred. Take "
                   .. "the off-CPU and mutex profile of POST /quote: where do requests spend time when no "
                   .. "core is running them?",
            classify = "A long wait with little CPU behind it: is the code working, or standing in line? "
                    .. "Which frame sits under sync.(*Mutex).Lock?",
            predict = "Multiply the calls per second that take fx.mu by the time each holds it. What does a "
                   .. "lock busy that share of the time do to the wait, and what would extra cores change?",
            fix = "Read what RateCache.Get does between Lock and Unlock since the deploy. Does that work need "
               .. "the lock, or a copy at all?",
            verify = "Under the same load, compare mutex wait per request and p99 before and after: the "
                  .. "wait under sync.(*Mutex).Lock should all but vanish, not just get a little shorter.",
            enforce = "A single-threaded benchmark cannot see contention. Which check runs the code with "
                   .. "production concurrency, or watches the wait itself?",
            move_on = "With the queue gone, what is the largest share of a quote's time now, and is it "
                   .. "worth a change?",
          },
          debrief = "The quotes were slow while the machine was idle: they were not doing work, they were "
              .. "queueing. The mutex profile put almost all of the waiting under sync.(*Mutex).Lock inside "
              .. "fx.(*RateCache).Get, and the deploy log showed the change that put a large copy inside that "
              .. "lock. A critical section's cost is its length times how many callers line up for it, so "
              .. "only shortening it helps; cores and caches elsewhere leave the line exactly as long." },
      },
      enforce = {
        gates = {
          { id = "mutex-wait-alert", kind = "alert", title = "Alert on mutex wait per quote",
            endpoint = "POST /quote", threshold = 5, unit = "ms per request",
            measure = "mutex_ms", rule = "above",
            description = "Pages the team when the continuous mutex profile shows quotes waiting more than "
                       .. "5 ms on average for any lock over fifteen minutes; the queue shows here before the "
                       .. "SLO burns." },
          { id = "concurrent-load-test", kind = "load-test-p99", title = "Load test at production concurrency",
            endpoint = "POST /quote", threshold = 25, unit = "%",
            description = "Replays production traffic at full rate against a canary for ten minutes and fails "
                       .. "the release when p99 grows by more than a quarter. Slow to run, but contention only "
                       .. "exists under concurrent load." },
          { id = "idle-but-slow-runbook", kind = "runbook", title = "Runbook: slow but idle",
            description = "When latency rises and CPU utilisation does not, take an off-CPU and mutex profile "
                       .. "before anything else, and read what runs between Lock and Unlock." },
          { id = "cpu-alert", kind = "alert", title = "Alert when CPU utilisation passes 70%",
            endpoint = "POST /quote", threshold = 70, unit = "% CPU",
            measure = "cpu_pct", rule = "above",
            description = "Pages when pricing-service's cores are more than 70% busy. A lock-bound service "
                       .. "queues with its cores mostly idle, so this alert sleeps through exactly this kind "
                       .. "of incident." },
          { id = "query-budget", kind = "query-count", title = "Query budget for POST /quote",
            endpoint = "POST /quote", threshold = 3, unit = "queries",
            description = "Fails a pull request that makes a quote issue more than three queries. Useful "
                       .. "against N+1s, blind to locks." },
        },
        future = {
          { day = 9, title = "pricing.Compute applies loyalty tiers",
            text = "pricing: + loyalty tier discount (2.0 ms -> 2.3 ms per quote)",
            set = { pricing_ms = p.pricing_ms * 1.15 }, harmful = false },
          { day = 20, title = "fx logs every conversion while holding fx.mu",
            text = "fx.(*RateCache).Get: + zap.Info(\"fx hit\", ...) and a hit counter map, inside the lock",
            set = { hold_ms = 3.5 }, harmful = true },
          { day = 33, title = "Traffic grows a quarter for the spring sale",
            text = "load: 150 -> 190 req/s",
            set = { rps = p.rps * 1.25 }, harmful = false },
          { day = 47, title = "The rate refresh recomputes cross rates inside Get",
            text = "fx.(*RateCache).Get: if stale { c.recomputeCrossRates() } under fx.mu, on every call",
            set = { hold_ms = 6.5 }, harmful = true },
          { day = 61, title = "Quotes load the shipping address too",
            text = "handlers.Quote: + one query for the default shipping address (2 -> 3 queries)",
            set = { cart_queries = 3 }, harmful = false },
          { day = 84, title = "GET /rates lists twenty more currencies",
            text = "rates: 170 -> 190 currencies in the response",
            set = { rates_ms = p.rates_ms * 1.12 }, harmful = false },
        },
      },
      -- Game days: what the facilitator throws at the team. The SLO burn
      -- alert pages about 270 s after the deploy with the defaults.
      gameday = {
        injects = {
          { id = "promotions-deploy", at_s = inject_at(p, p.deploy_at_s + 120), kind = "deploy",
            service = "promotions-service",
            text = "release 3.14.0: weekend campaign codes switched on for every storefront" },
          { id = "campaign-email", at_s = inject_at(p, p.deploy_at_s + 330), kind = "message",
            text = "Product manager: the campaign email reaches two million shoppers at the top of the hour. "
                .. "Will quotes be healthy by then?" },
          { id = "checkout-web-page", at_s = inject_at(p, p.deploy_at_s + 450), kind = "page",
            service = "checkout-web",
            text = "The 'calculating your total' step has been over its objective for 10 minutes" },
          { id = "partner-update", at_s = inject_at(p, p.deploy_at_s + 620), kind = "message",
            text = "Account manager: our largest B2B partner wants a written incident update within 30 minutes" },
        },
      },
    }
  end,
}
