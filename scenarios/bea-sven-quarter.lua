-- Bea and Sven's quarter: three slow accumulations.
--
-- A year ago orders-api answered /orders with a p99 of about 200 ms. Nobody
-- broke it; a year of ordinary feature work did. The logger grew
-- request-scoped fields, then a caller frame and a copy of the whole context
-- on every line, until garbage collection was a fifth of the CPU. /orders
-- started showing live stock next to each line item, one query per item: 50
-- more round trips per request. And the /dashboard page picked up a charting
-- library, a date library with every locale and a feature-flag SDK, 800 KB
-- of JavaScript in all. Twelve months are compressed into 15 simulated
-- minutes of deploys; then the three bottlenecks are fixed one after another
-- (logger, stock lookup, dashboard code split), fix_spacing_s apart.
--
-- Calibration (/orders, per request): CPU about 20 ms a year ago, about 67 ms
-- today (GC ~12 ms of it); allocation ~170 KB -> ~1.1 MB; queries 3 -> 53.
-- The 4 cores go from about a third busy to about 85%. p99 (seed 1): 179 ms
-- a year ago; 191 ms after the first logging change (GC 9% -> 28% of the
-- CPU, the first step `check --simulate` can see); 1.29 s accumulated;
-- 992 ms after the logger fix, 260 ms after the batching.

local fields_per_line = { ["/orders"] = 1.0, ["/dashboard"] = 0.3, ["/products"] = 0.1 }

-- One log line's share of the logger's allocation for an endpoint.
-- The quarter's deploys, one every deploy_spacing_s from the first: the
-- timeline and the bottlenecks' onsets read them here, so squeezing the
-- times (as a quiz card does) keeps them in step.
local function deploy_at(p, k)
  return p.first_deploy_at_s + k * p.deploy_spacing_s
end

local function log_line(p, endpoint, share)
  return cpu { frame = "github.com/sirupsen/logrus.(*Entry).WithFields", ms = 0.05,
               alloc_kb = p.logger_alloc_kb * fields_per_line[endpoint] * share, dist = "lognormal", cv = 0.2 }
end

return {
  id = "bea-sven-quarter",
  title = "Bea and Sven's quarter: a year of small regressions",
  level = "middle",
  families = { "allocation-bound", "io-n-plus-1", "bundle-bound" },
  minutes = 35,
  pager = "/orders and /dashboard slower, a quarter of deploys later",
  goals = {
    "Find the several causes of a slow drift when no single deploy stands out",
    "Run the loop once per bottleneck and predict each one's share of the headline before fixing it",
    "Tell a server-side p99 problem from a client-side LCP problem on the same product",
    "Leave one gate behind per bottleneck so the next quarter of features cannot undo the work",
  },
  params = {
    rps = { default = 115, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 4, min = 1, max = 256, unit = "cores", description = "CPU cores of orders-api" },
    gogc = { default = 100, min = 10, max = 1000, unit = "%", description = "Go GC target: heap growth before a cycle" },
    logger_alloc_kb = { default = 30, min = 0, max = 100000, unit = "KB",
      description = "Bytes the logger allocates per /orders request (other endpoints log less)" },
    stock_queries = { default = 0, min = 0, max = 5000, unit = "queries",
      description = "Line items whose live stock /orders looks up per request" },
    stock_batch = { default = 1, min = 1, max = 5000, unit = "items",
      description = "Stock lookups per query: 1 is one query per line item; at least stock_queries is one query" },
    db_rtt_ms = { default = 1.5, min = 0, max = 1000, unit = "ms", description = "Network round trip to Postgres" },
    stock_exec_ms = { default = 11, min = 0, max = 1000, unit = "ms",
      description = "Postgres time of one stock lookup statement (sums reservations across warehouses)" },
    stock_row_ms = { default = 0.1, min = 0, max = 100, unit = "ms", description = "Postgres time per stock row returned" },
    session_ms = { default = 3, min = 0, max = 1000, unit = "ms", description = "Session lookup in Redis" },
    recs_ms = { default = 0, min = 0, max = 10000, unit = "ms",
      description = "recs-service time for the recommendations on /orders (0: no recommendations)" },
    orders_json_alloc_kb = { default = 60, min = 0, max = 100000, unit = "KB",
      description = "Bytes encoding the /orders response allocates" },
    dashboard_db_ms = { default = 12, min = 0, max = 10000, unit = "ms",
      description = "Postgres time of the /dashboard aggregate query" },
    dashboard_bundle_kb = { default = 450, min = 1, max = 20000, unit = "KB",
      description = "JavaScript the /dashboard page loads before it paints" },
    dashboard_ttfb_ms = { default = 180, min = 0, max = 10000, unit = "ms",
      description = "Time to first byte of the /dashboard HTML from the CDN" },
    first_deploy_at_s = { default = 600, min = 0, max = 86400, unit = "s",
      description = "When the quarter's first deploy ships (month 3)" },
    deploy_spacing_s = { default = 180, min = 1, max = 86400, unit = "s",
      description = "Time between the quarter's deploys (six weeks each, compressed)" },
    fix_at_s = { default = 2400, min = 0, max = 86400, unit = "s", description = "When the first chosen fix lands" },
    fix_spacing_s = { default = 400, min = 0, max = 86400, unit = "s",
      description = "Time between fixes chosen together (one week of work each, compressed)" },
    duration_s = { default = 3600, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local stock_batch = math.max(1, math.min(p.stock_batch, math.max(p.stock_queries, 1)))
    -- The /orders handler's steps, in order; recommendations exist only once recs_ms is set.
    local orders = {
      cpu { frame = "net/http.(*conn).readRequest", ms = 1.0, dist = "lognormal", cv = 0.3, alloc_kb = 8 },
      log_line(p, "/orders", 0.15),
      span { name = "session_lookup",
        cpu { frame = "auth.VerifyToken", ms = 0.5, dist = "lognormal", cv = 0.2 },
        wait { frame = "redis.(*Client).Get", ms = p.session_ms, dist = "lognormal", cv = 0.3 },
      },
      span { name = "load_orders", frame = "store.(*OrderRepo).WithItems",
        queries { frame = "pgx.(*Conn).Query", count = 3, rtt_ms = p.db_rtt_ms + 2.5, ms = 1.2, alloc_kb = 10,
                  dist = "lognormal", cv = 0.4 },
        log_line(p, "/orders", 0.2),
      },
      span { name = "stock_lookup", frame = "inventory.(*StockRepo).Available",
        queries { frame = "pgx.(*Conn).Query", count = p.stock_queries, batch = stock_batch,
                  rtt_ms = p.db_rtt_ms + p.stock_exec_ms + p.stock_row_ms * stock_batch,
                  ms = 0.7 + 0.02 * stock_batch, alloc_kb = 1 + 1.5 * stock_batch, dist = "lognormal", cv = 0.4 },
        log_line(p, "/orders", 0.15),
      },
      span { name = "pricing",
        downstream { service = "pricing-service", rtt_ms = 1.5, remote_ms = 75, payload_kb = 8,
                     decode_ms_per_kb = 0.04, decode_alloc_per_kb = 5, dist = "lognormal", cv = 0.3 },
        log_line(p, "/orders", 0.2),
      },
    }
    if p.recs_ms > 0 then
      orders[#orders + 1] = span { name = "recommendations",
        downstream { service = "recs-service", rtt_ms = 1.5, remote_ms = p.recs_ms, payload_kb = 6,
                     decode_ms_per_kb = 0.04, decode_alloc_per_kb = 5, dist = "lognormal", cv = 0.4 },
      }
    end
    orders[#orders + 1] = span { name = "render",
      cpu { frame = "handlers.Orders", ms = 6.0, dist = "lognormal", cv = 0.4 },
      cpu { frame = "encoding/json.Marshal", ms = 5.0, dist = "lognormal", cv = 0.3, alloc_kb = p.orders_json_alloc_kb },
      cpu { frame = "crypto/tls.(*Conn).Write", ms = 1.5, dist = "lognormal", cv = 0.3 },
      log_line(p, "/orders", 0.3),
    }
    orders.name, orders.frame = "handle_orders", "handlers.Orders"
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      fix_spacing_s = p.fix_spacing_s,
      first_phase = "baseline",
      trace_sample_rate = 0.002,
      service = {
        name = "orders-api", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 1024, queue_limit = 8192,
        gc = { enabled = true, gogc = p.gogc, live_heap_mb = 192,
               malloc_ns_per_kb = 5500, scan_ns_per_kb = 5800, stw_pause_ms = 0.5 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "/orders", threshold_ms = 500, objective = 0.99,
              alerts = { { name = "orders-slo-burn", burn_rate = 6, short_window_s = 300, long_window_s = 1800 } } },
      endpoints = {
        { name = "/orders", share = 0.35, timeout_ms = 10000, root = span(orders) },
        { name = "/dashboard", share = 0.25, timeout_ms = 10000,
          client = { route = "/dashboard", bundle_kb = p.dashboard_bundle_kb, bandwidth_mbps = 20,
                     ttfb_ms = p.dashboard_ttfb_ms, parse_compile_ms_per_kb = 0.2, execute_ms = 220,
                     device_cv = 0.4, inp_handler_ms = 60 },
          root = span { name = "handle_dashboard", frame = "handlers.Dashboard",
            cpu { frame = "net/http.(*conn).readRequest", ms = 0.8, dist = "lognormal", cv = 0.3, alloc_kb = 6 },
            log_line(p, "/dashboard", 0.3),
            span { name = "session_lookup",
              cpu { frame = "auth.VerifyToken", ms = 0.5, dist = "lognormal", cv = 0.2 },
              wait { frame = "redis.(*Client).Get", ms = p.session_ms, dist = "lognormal", cv = 0.3 },
            },
            span { name = "aggregate",
              queries { frame = "pgx.(*Conn).Query", count = 2, rtt_ms = p.db_rtt_ms + p.dashboard_db_ms, ms = 2.0,
                        alloc_kb = 20, dist = "lognormal", cv = 0.5 },
              log_line(p, "/dashboard", 0.3),
            },
            span { name = "render",
              cpu { frame = "encoding/json.Marshal", ms = 4.0, dist = "lognormal", cv = 0.3, alloc_kb = 50 },
              cpu { frame = "crypto/tls.(*Conn).Write", ms = 1.0, dist = "lognormal", cv = 0.3 },
              log_line(p, "/dashboard", 0.4),
            },
          } },
        { name = "/products", share = 0.4, timeout_ms = 10000,
          root = span { name = "handle_products", frame = "handlers.Products",
            cpu { frame = "net/http.(*conn).readRequest", ms = 0.6, dist = "lognormal", cv = 0.3, alloc_kb = 4 },
            log_line(p, "/products", 0.5),
            wait { frame = "redis.(*Client).Get", ms = 2.0, dist = "lognormal", cv = 0.3 },
            cpu { frame = "handlers.Products", ms = 2.5, dist = "lognormal", cv = 0.4 },
            cpu { frame = "encoding/json.Marshal", ms = 2.0, dist = "lognormal", cv = 0.3, alloc_kb = 25 },
            log_line(p, "/products", 0.5),
          } },
      },
      timeline = {
        { at_s = deploy_at(p, 0), phase = "month_3", kind = "deploy", service = "orders-api",
          text = "logging: handlers log through log.WithFields(requestFields(r)), 14 fields copied per line",
          set = { logger_alloc_kb = 650 } },
        { at_s = deploy_at(p, 1), kind = "deploy", service = "dashboard-web",
          text = "dashboard: + chart.js with every chart type registered (450 KB -> 800 KB)",
          set = { dashboard_bundle_kb = 800 } },
        { at_s = deploy_at(p, 2), phase = "month_6", kind = "deploy", service = "orders-api",
          text = "/orders: show live stock per line item (stock.Available(item.SKU) inside the item loop)",
          set = { stock_queries = 50 } },
        { at_s = deploy_at(p, 3), kind = "deploy", service = "orders-api",
          text = "go.mod: logrus hooks v2: ReportCaller on, full request context map cloned into every entry",
          set = { logger_alloc_kb = 800 } },
        { at_s = deploy_at(p, 4), phase = "month_9", kind = "deploy", service = "dashboard-web",
          text = "dashboard: + moment with all locales, + feature-flag SDK (800 KB -> 1250 KB)",
          set = { dashboard_bundle_kb = 1250 } },
        { at_s = deploy_at(p, 5), phase = "accumulated", kind = "deploy", service = "orders-api",
          text = "/orders: + 'you may also like' from recs-service",
          set = { recs_ms = 40 } },
      },
      fixes = {
        logger_fields = { touches = "cause", title = "Log with typed fields built once per request", phase = "after_logger_fix",
          text = "The request's fields are encoded once into the logger's context and each line appends "
              .. "typed fields to a pooled buffer, with caller lookup only on errors. The logger's "
              .. "allocation per request falls by over 90%, garbage collection stops taking a fifth of "
              .. "the CPU, and every CPU-bound span in the service stops stretching.",
          set = { logger_alloc_kb = 70 } },
        batch_stock = { touches = "cause", title = "Look up the stock of all line items in one query", phase = "after_batching",
          text = "The SKUs are collected first and sent in a single statement (WHERE sku = ANY($1)). "
              .. "Fifty sequential round trips become one that returns fifty rows: /orders stops waiting "
              .. "on the database fifty times and queries per request fall back to four.",
          set = { stock_batch = 5000 } },
        split_dashboard = { touches = "cause", title = "Code-split the dashboard's charts and dates", phase = "after_code_split",
          text = "The charting and date libraries, with their locales, move into chunks loaded when a "
              .. "chart first renders. The JavaScript the page needs before it paints drops from 1250 KB "
              .. "to about 520 KB, and dashboard LCP comes most of the way back. Server latency does not "
              .. "change: this bottleneck was in the browser.",
          set = { dashboard_bundle_kb = 520 } },
        tune_gc = { touches = "symptom", title = "Raise GOGC from 100 to 150", phase = "after_gc_tuning",
          text = "150 is as far as the pods' memory limit allows. Collecting less often cuts the marking "
              .. "work per allocated byte, so runtime.scanobject shrinks and p99 improves a little. But "
              .. "the logger still allocates most of a megabyte per request, malloc costs what it did, "
              .. "and the cause stays: the next field added to the logger eats the headroom.",
          set = { gogc = 150 } },
        pool_json = { touches = "elsewhere", title = "Reuse JSON encoder buffers", phase = "after_json_pool",
          text = "A sync.Pool of encoder buffers halves what encoding the /orders response allocates. "
              .. "It is a sound change, but the response encoder was a small allocator next to the "
              .. "logger: GC work and p99 barely move.",
          set = { orders_json_alloc_kb = 30 } },
        bigger_db = { touches = "symptom", title = "Move Postgres to a larger instance", phase = "after_db_upgrade",
          text = "A larger instance runs each stock lookup about a quarter faster. /orders still sends "
              .. "fifty of them one after another and pays the network for each; p99 improves a little "
              .. "and the N+1 stays.",
          set = { stock_exec_ms = p.stock_exec_ms * 0.75 } },
        cache_session = { touches = "elsewhere", title = "Cache sessions in process", phase = "after_session_cache",
          text = "Skipping the Redis round trip for sessions saves about 3 ms per request on every "
              .. "endpoint. The session lookup is not where /orders spends its time, so the headline "
              .. "does not notice.",
          set = { session_ms = 0.3 } },
        cache_dashboard = { touches = "elsewhere",
          title = "Cache the /dashboard aggregate query", phase = "after_dashboard_cache",
          text = "The dashboard API answers much faster from a cache, which the server dashboards show. "
              .. "The page's LCP is first byte, bundle download, parse and execute in the browser; "
              .. "none of them depends on this API, so LCP does not move.",
          set = { dashboard_db_ms = 1 } },
        faster_cdn = { touches = "elsewhere", title = "Move the dashboard HTML to a faster CDN tier", phase = "after_cdn",
          text = "A premium edge tier takes about 20 ms off the first byte. The browser still downloads "
              .. "and runs 1250 KB of JavaScript before painting, so LCP improves by about one percent.",
          set = { dashboard_ttfb_ms = p.dashboard_ttfb_ms - 20 } },
      },
      bottlenecks = {
        { id = "logger-allocations", title = "The logger allocates most of a megabyte per request",
          -- Three slow accumulations: no single fix meets the 500 ms SLO, so each has its own
          -- milestone. The logger's is p99 back under a second; the N+1 then takes it under the SLO.
          symptom = { endpoint = "/orders", metric = "p99", onset_s = deploy_at(p, 0), side = "server", target = 1000 },
          stream = "alloc", hot_frame = "github.com/sirupsen/logrus.(*Entry).WithFields",
          families = { "allocation-bound" },
          root_cause = "Two logging changes made every log line copy the request's fields and context "
              .. "into a fresh map, and look up its caller. orders-api now allocates about six times "
              .. "more per request, most of it in logrus.WithFields. Allocation and marking cost "
              .. "CPU directly (about a fifth of the /orders profile) and push the cores towards "
              .. "saturation, so every CPU-bound span stretches.",
          right_fixes = { "logger_fields" },
          wrong_fixes = { "tune_gc", "pool_json", "cache_session" },
          hints = {
            observe = "p99 drifted up over months with no single jump. Which deploys line up with the "
                   .. "steps in the graph, and did CPU utilisation drift with it?",
            profile = "The CPU profile shows the runtime busy; an allocation profile shows who keeps it busy.",
            classify = "mallocgc and scanobject are a cost of allocating, not a cause. What allocates?",
            predict = "If the logger allocated what it did a year ago, how much CPU would the cores get "
                   .. "back, and what would that do to p99 at 85% utilisation?",
            fix = "Logging is necessary; copying every field on every line is not.",
            verify = "Re-profile under the same load: did the GC share of the CPU profile fall, and p99 with it?",
            enforce = "Which benchmark in CI would have flagged a logger upgrade that multiplies "
                   .. "allocations per request?",
            move_on = "With GC back to a few percent, /orders is still far above 200 ms. Where does it wait?",
          },
          debrief = "GC at nearly a fifth of the CPU was the first visible sign, but GC was the bill, not "
              .. "the purchase. The allocation profile put the logger at the top, and the deploy log "
              .. "showed two innocent-looking logging changes. Fixing the logger returned that CPU to "
              .. "requests; tuning GOGC would only have hidden it until the next field was added." },
        { id = "stock-n-plus-1", title = "One stock query per line item",
          symptom = { endpoint = "/orders", metric = "p99", onset_s = deploy_at(p, 2), side = "server" },
          stream = "trace", hot_frame = "pgx.(*Conn).Query", hot_span = "stock_lookup",
          families = { "io-n-plus-1" },
          root_cause = "Showing live stock added a stock lookup inside the loop over line items: 50 "
              .. "sequential round trips of about 13 ms each per /orders request. Each is a modest query "
              .. "on its own; together they are most of the request's wall time.",
          right_fixes = { "batch_stock" },
          wrong_fixes = { "bigger_db", "cache_session" },
          hints = {
            observe = "After the logger fix, /orders is better but still slow. Are the CPUs busy now?",
            profile = "Open a slow /orders trace: which span is widest, and how many queries does it hold?",
            classify = "Many identical short queries in a row, or one slow query?",
            predict = "Fifty round trips of about 13 ms, made into one of perhaps 20 ms: what is left of p99?",
            fix = "Ask for all the line items' stock in one statement.",
            verify = "Queries per request should fall by about 50, and the stock_lookup span to one round trip.",
            enforce = "Which test would count the queries of one /orders request on every pull request?",
            move_on = "The server is close to where it was a year ago. Is anything else slower than a year ago?",
          },
          debrief = "The trace made it plain: stock_lookup was a ladder of fifty identical queries. A "
              .. "bigger database makes each rung a little shorter; batching removes the ladder. "
              .. "Queries per request fell from 53 to 4." },
        { id = "dashboard-bundle", title = "The dashboard page ships 800 KB more JavaScript",
          symptom = { endpoint = "/dashboard", metric = "lcp", onset_s = deploy_at(p, 1), side = "client" },
          stream = "bundle", hot_frame = "handlers.Dashboard",
          families = { "bundle-bound" },
          root_cause = "A charting library with every chart type, a date library with every locale and a "
              .. "feature-flag SDK were added to the dashboard's entry bundle over six months: 450 KB "
              .. "became 1250 KB, all downloaded, parsed and run before the page can paint. The API "
              .. "behind the page did not change.",
          right_fixes = { "split_dashboard" },
          wrong_fixes = { "cache_dashboard", "faster_cdn" },
          hints = {
            observe = "The server numbers are fixed; the people using the dashboard still say it is slow. "
                   .. "What do real browsers report?",
            profile = "Look at what the /dashboard route ships, module by module, and when each arrived.",
            classify = "Download and parse grow with bytes; which bytes does the first paint need?",
            predict = "If only what the first screen needs were in the entry bundle, how much of the "
                   .. "download and parse time would go?",
            fix = "Load the charts and the date library when a chart first renders, not before the page paints.",
            verify = "Compare LCP p75 on /dashboard before and after, and the entry bundle's size.",
            enforce = "Which budget, set at today's post-fix size, would fail the next library added "
                   .. "to the entry bundle?",
            move_on = "Three loops done. What keeps the next quarter's features from repeating this one?",
          },
          debrief = "No server signal could see this one: LCP grew in the browser, with the bundle. "
              .. "Code splitting left the libraries in the product and took them off the path to the "
              .. "first paint. Caching the API or buying a faster edge improved things that were not slow." },
      },
      enforce = {
        gates = {
          { id = "logger-alloc-bench", kind = "alloc-diff", title = "Allocation benchmark for the /orders handler",
            endpoint = "/orders", threshold = 15, unit = "% alloc/op",
            description = "Runs the /orders handler benchmark with logging on and fails a pull request "
                       .. "that raises allocations per request by more than 15%." },
          { id = "orders-query-count", kind = "query-count", title = "Query count per /orders request",
            endpoint = "/orders", threshold = 8, unit = "queries",
            description = "A test middleware counts statements per /orders request and fails the pull "
                       .. "request above 8." },
          { id = "dashboard-budget", kind = "bundle-budget", title = "Entry bundle budget for /dashboard",
            endpoint = "/dashboard", threshold = 580, unit = "KB",
            description = "Fails a pull request that grows the JavaScript /dashboard loads before painting "
                       .. "beyond 580 KB; lazily loaded chunks do not count." },
          { id = "cpu-alert", kind = "alert", title = "Alert on CPU above 80%", endpoint = "/orders",
            threshold = 80, unit = "% CPU",
            measure = "cpu_pct", rule = "above",
            description = "Pages when the cores pass 80% busy. The drift crossed that line only after "
                       .. "months, long after p99 had left its SLO, and a bundle that grows in the "
                       .. "browser never moves it." },
          { id = "zero-alloc-growth", kind = "alloc-diff", title = "Allocations may never grow",
            endpoint = "/orders", threshold = 1, unit = "% alloc/op",
            description = "Fails any pull request that allocates 1% more per /orders request, including "
                       .. "every new field in the response." },
          { id = "drift-runbook", kind = "runbook", title = "Runbook: quarterly drift review",
            description = "Once a quarter, compare p99, GC share, queries per request and bundle sizes "
                       .. "with the same week a year earlier, and open a loop for each that moved." },
        },
        future = {
          { day = 10, title = "/orders adds the delivery estimate to each order",
            text = "/orders response: + delivery_estimate per order (+4 KB encoded)",
            set = { orders_json_alloc_kb = 64 }, harmful = false },
          { day = 24, title = "Audit logging adds the full request body to every line",
            text = "logging: + log.WithField(\"body\", r.Body) in middleware",
            set = { logger_alloc_kb = 1600 }, harmful = true },
          { day = 38, title = "The dashboard gets a CSV export button",
            text = "dashboard: + ExportButton (+15 KB)",
            set = { dashboard_bundle_kb = 535 }, harmful = false },
          { day = 51, title = "A refactor moves the stock lookup back into the item loop",
            text = "/orders: inventory.Available(item.SKU) per item again (helper inlined)",
            set = { stock_batch = 1 }, harmful = true },
          { day = 66, title = "A maps library is imported into the dashboard entry point",
            text = "dashboard: + import 'mapbox-gl' in App.tsx (+700 KB)",
            set = { dashboard_bundle_kb = 1220 }, harmful = true },
          { day = 80, title = "orders-api upgrades pgx",
            text = "go.mod: pgx v5.5 -> v5.6",
            set = { db_rtt_ms = 1.45 }, harmful = false },
          { day = 95, title = "Recommendations get a second model",
            text = "recs-service: + collaborative model (+8 ms)",
            set = { recs_ms = 38 }, harmful = false },
        },
      },
    }
  end,
}
