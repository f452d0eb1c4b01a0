-- The /orders N+1.
--
-- The order-history page lists a customer's recent orders with every line
-- item. Its product details used to come back with the line items in one
-- query (WHERE product_id = ANY($1)). A refactor moves the lookup behind
-- the ORM's lazy relation, so each line item now costs its own round trip
-- to Postgres: about 300 of them per page. Nothing is CPU-bound and
-- nothing is broken; /orders simply waits on the database 300 times in a
-- row, and p99 goes from about 30 ms to about 1.5 s.
--
-- Calibration (per /orders request): round trips 2 -> 301; each product
-- lookup ~4.7 ms (1.3 ms network, 3.3 ms in Postgres, ~0.1 ms of driver CPU);
-- the batched lookup is one round trip of ~9 ms.

local function round_trip_ms(p, rows) return p.db_rtt_ms + p.db_exec_ms + p.db_row_ms * rows end

-- A game day's inject fires `t` seconds into the run, moved with the
-- scenario's times and kept inside the run whatever they are set to.
local function inject_at(p, t) return math.max(0, math.min(t, p.duration_s)) end

return {
  id = "orders-n-plus-1",
  title = "The /orders N+1: one query per line item",
  level = "junior",
  families = { "io-n-plus-1" },
  minutes = 12,
  pager = "/orders p99 over its SLO since a deploy",
  goals = {
    "Read a trace waterfall where one span is made of hundreds of identical round trips",
    "Tell waiting on a database (off-CPU, round trips) from a slow database (time per query)",
    "Predict the gain of batching from the number of round trips before changing anything",
    "Pick a query-count gate that stops the next N+1 without blocking an honest extra query",
  },
  params = {
    rps = { default = 30, min = 1, max = 2000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 4, min = 1, max = 256, unit = "cores", description = "CPU cores of orders-service" },
    line_items = { default = 300, min = 0, max = 5000, unit = "items",
      description = "Line items on one order-history page (last 30 orders, about 10 items each)" },
    item_batch = { default = 5000, min = 1, max = 5000, unit = "items",
      description = "Line items whose products one query fetches: 1 is an N+1; at least line_items is one query" },
    extra_queries = { default = 0, min = 0, max = 100, unit = "queries",
      description = "Further single-row queries /orders sends per request besides the orders and products" },
    db_rtt_ms = { default = 1.3, min = 0, max = 1000, unit = "ms",
      description = "Network round trip between orders-service and Postgres" },
    db_exec_ms = { default = 3.3, min = 0, max = 1000, unit = "ms",
      description = "Postgres time to plan and run one product lookup statement" },
    db_row_ms = { default = 0.01, min = 0, max = 100, unit = "ms", description = "Postgres time per product row returned" },
    query_cpu_ms = { default = 0.12, min = 0, max = 100, unit = "ms",
      description = "orders-service CPU per statement (pgx encode, send, parse the reply)" },
    row_cpu_ms = { default = 0.005, min = 0, max = 10, unit = "ms", description = "orders-service CPU to decode one row" },
    session_ms = { default = 2.5, min = 0, max = 1000, unit = "ms",
      description = "Wait for the session lookup in Redis on every request" },
    pool_wait_ms = { default = 0.3, min = 0, max = 1000, unit = "ms",
      description = "Mean wait to check a connection out of the pgx pool" },
    deploy_at_s = { default = 600, min = 0, max = 86400, unit = "s", description = "When the ORM refactor deploys" },
    fix_at_s = { default = 1200, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 1800, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local batch = math.max(1, math.min(p.item_batch, math.max(p.line_items, 1)))
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.01,
      service = {
        name = "orders-service", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 512, queue_limit = 4096,
        gc = { enabled = true, gogc = 100, live_heap_mb = 96,
               malloc_ns_per_kb = 1500, scan_ns_per_kb = 3000, stw_pause_ms = 0.3 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "/orders", threshold_ms = 300, objective = 0.99,
              alerts = { { name = "orders-slo-burn", burn_rate = 10, short_window_s = 300, long_window_s = 1800 } } },
      endpoints = {
        { name = "/orders", share = 0.3, timeout_ms = 10000,
          root = span { name = "list_orders", frame = "handlers.ListOrders",
            cpu { frame = "net/http.(*conn).readRequest", ms = 0.6, dist = "lognormal", cv = 0.3, alloc_kb = 4 },
            span { name = "session_lookup",
              cpu { frame = "auth.VerifyToken", ms = 0.3, dist = "lognormal", cv = 0.2 },
              wait { frame = "redis.(*Client).Get", ms = p.session_ms, dist = "lognormal", cv = 0.3 },
            },
            span { name = "load_orders", frame = "store.(*OrderRepo).Recent",
              wait { frame = "pgxpool.(*Pool).Acquire", ms = p.pool_wait_ms, dist = "exp" },
              queries { frame = "pgx.(*Conn).Query", count = 1 + p.extra_queries, rtt_ms = round_trip_ms(p, 30),
                        ms = 0.4, alloc_kb = 12, dist = "lognormal", cv = 0.3 },
            },
            span { name = "product_lookup", frame = "store.(*ProductRepo).ByIDs",
              queries { frame = "pgx.(*Conn).Query", count = p.line_items, batch = batch,
                        rtt_ms = round_trip_ms(p, batch), ms = p.query_cpu_ms + p.row_cpu_ms * batch,
                        alloc_kb = 1.5 + 0.8 * batch, dist = "lognormal", cv = 0.3 },
            },
            span { name = "render",
              cpu { frame = "encoding/json.Marshal", ms = 0.005 * p.line_items + 0.6, dist = "lognormal", cv = 0.3,
                    alloc_kb = 0.3 * p.line_items + 8 },
              cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.8, dist = "lognormal", cv = 0.3 },
            },
          } },
        { name = "/orders/{id}", share = 0.35, timeout_ms = 10000,
          root = span { name = "get_order", frame = "handlers.GetOrder",
            cpu { frame = "net/http.(*conn).readRequest", ms = 0.5, dist = "lognormal", cv = 0.3, alloc_kb = 4 },
            span { name = "session_lookup",
              cpu { frame = "auth.VerifyToken", ms = 0.3, dist = "lognormal", cv = 0.2 },
              wait { frame = "redis.(*Client).Get", ms = p.session_ms, dist = "lognormal", cv = 0.3 },
            },
            span { name = "load_order", frame = "store.(*OrderRepo).ByID",
              wait { frame = "pgxpool.(*Pool).Acquire", ms = p.pool_wait_ms, dist = "exp" },
              queries { frame = "pgx.(*Conn).Query", count = 2, rtt_ms = round_trip_ms(p, 8), ms = 0.35,
                        alloc_kb = 8, dist = "lognormal", cv = 0.4 },
            },
            cpu { frame = "encoding/json.Marshal", ms = 0.8, dist = "lognormal", cv = 0.3, alloc_kb = 10 },
          } },
        { name = "/cart", share = 0.35, timeout_ms = 10000,
          root = span { name = "get_cart", frame = "handlers.Cart",
            cpu { frame = "handlers.Cart", ms = 0.6, dist = "lognormal", cv = 0.4, alloc_kb = 6 },
            wait { frame = "redis.(*Client).Get", ms = p.session_ms, dist = "lognormal", cv = 0.3 },
          } },
      },
      timeline = {
        { at_s = p.deploy_at_s, phase = "incident", kind = "deploy", service = "orders-service",
          text = "store: line items load their product through the ORM relation "
              .. "(item.Product() per item instead of ProductRepo.ByIDs(ids))",
          set = { item_batch = 1 } },
      },
      fixes = {
        batch_lookup = { touches = "cause", title = "Fetch the products of all line items in one query", phase = "after_fix",
          text = "Collecting the product ids first and asking Postgres for all of them at once "
              .. "(WHERE id = ANY($1)) turns some 300 round trips into one. The single query returns "
              .. "more rows, so it takes longer than one lookup did, but the request now waits on the "
              .. "network once instead of 300 times: /orders falls back to tens of milliseconds.",
          set = { item_batch = 5000 } },
        rollback = { touches = "cause", title = "Roll back the ORM refactor", phase = "after_fix",
          text = "Going back to the previous release restores the batched lookup, and with it the "
              .. "old latency. It removes the cause, though the refactor will need to come back "
              .. "with the preload done properly.",
          set = { item_batch = 5000 } },
        faster_db = { touches = "symptom", title = "Move Postgres to a larger instance", phase = "after_fix",
          text = "A bigger instance runs each lookup a little faster, about a quarter off the time "
              .. "spent inside Postgres. The request still makes 300 round trips one after another, "
              .. "each paying the network: /orders gets somewhat faster and stays far above its SLO. "
              .. "The database was never the slow part; the number of trips was.",
          set = { db_exec_ms = p.db_exec_ms * 0.75 } },
        bigger_pool = { touches = "elsewhere", title = "Raise the connection pool from 20 to 100", phase = "after_fix",
          text = "The pool was not exhausted: a request checks a connection out once and then "
              .. "sends its queries one after another on it. A larger pool removes a fraction of a "
              .. "millisecond of checkout wait and leaves the 300 sequential round trips untouched.",
          set = { pool_wait_ms = p.pool_wait_ms * 0.3 } },
        cache_session = { touches = "elsewhere", title = "Cache the session lookup in process", phase = "after_fix",
          text = "An in-process cache in front of Redis saves the session round trip, a couple of "
              .. "milliseconds on every endpoint. It is a fine change, but the session lookup is not "
              .. "where /orders spends its time, so p99 barely moves.",
          set = { session_ms = 0.2 } },
      },
      bottlenecks = {
        { id = "line-item-n-plus-1", title = "One product query per line item",
          symptom = { endpoint = "/orders", metric = "p99", onset_s = p.deploy_at_s, side = "server" },
          stream = "trace", hot_frame = "pgx.(*Conn).Query", hot_span = "product_lookup",
          families = { "io-n-plus-1" },
          root_cause = "The refactor replaced one batched product query with a lazy ORM relation, so "
              .. "/orders asks Postgres for each line item's product separately. A page of about 300 "
              .. "line items makes about 300 sequential round trips of some 5 ms each; the service is "
              .. "mostly idle, waiting on the network and the database in a loop.",
          right_fixes = { "batch_lookup", "rollback" },
          wrong_fixes = { "faster_db", "bigger_pool", "cache_session" },
          hints = {
            observe = "Only /orders slowed down, right after a deploy. Are the CPUs busier, or is the "
                   .. "service waiting on something?",
            profile = "Open a slow /orders trace and compare it with one from before the deploy. Which "
                   .. "span grew, and how many queries does a request now send?",
            classify = "Hundreds of short, identical queries in a row: is each one slow, or are there "
                    .. "simply too many of them?",
            predict = "Multiply the round trips by the time of one. If they became a single query, "
                   .. "what would be left of the 1.5 s?",
            fix = "Ask the database for all the products at once, or undo the change that split the query.",
            verify = "Under the same load, check that queries per request fell back to a handful and "
                  .. "that /orders p99 is back under 300 ms.",
            enforce = "Which check in CI would have counted the queries of one /orders request before "
                   .. "the refactor shipped?",
            move_on = "With the N+1 gone, what is the largest span of /orders now, and is it worth a loop?",
          },
          debrief = "The traces told the story: the product_lookup span had turned into hundreds of "
              .. "near-identical queries, each fast on its own. Neither the CPU nor the database was "
              .. "overloaded, so a bigger database or pool bought little. Counting round trips per "
              .. "request, and bringing them back to one, removed almost all of the added latency." },
      },
      enforce = {
        gates = {
          { id = "orders-query-count", kind = "query-count", title = "Query count per /orders request",
            endpoint = "/orders", threshold = 10, unit = "queries",
            description = "A test middleware counts the statements one /orders request sends against a "
                       .. "seeded database and fails the pull request above 10." },
          { id = "strict-query-count", kind = "query-count", title = "Query count may never grow",
            endpoint = "/orders", threshold = 2, unit = "queries",
            description = "Fails any pull request that adds even one statement to /orders; every honest "
                       .. "new query needs a manual override." },
          { id = "orders-load-test", kind = "load-test-p99", title = "Load test /orders", endpoint = "/orders",
            threshold = 25, unit = "%",
            description = "Runs a ten-minute load test on every pull request and fails it if /orders p99 "
                       .. "grows by more than 25%; slow, but catches what query counts miss." },
          { id = "cpu-alert", kind = "alert", title = "Alert on CPU above 80%", endpoint = "/orders",
            threshold = 80, unit = "% CPU",
            measure = "cpu_pct", rule = "above",
            description = "Pages when orders-service's cores pass 80% busy. An N+1 of cheap lookups spends "
                       .. "its time waiting on round trips, not computing, so this watches the wrong thing." },
          { id = "n-plus-1-runbook", kind = "runbook", title = "Runbook: latency up, CPU flat",
            description = "When an endpoint slows down with idle CPUs, open a trace and count the queries "
                       .. "per request before tuning the database." },
        },
        future = {
          { day = 9, title = "Order history shows the shipping carrier",
            text = "store: + one query per page for the carriers table",
            set = { extra_queries = 1 }, harmful = false },
          { day = 23, title = "Line items show their review rating",
            text = "store: item.Rating() via ORM relation, one query per line item",
            set = { item_batch = 1 }, harmful = true },
          { day = 41, title = "The page lists the last 40 orders instead of 30",
            text = "handlers: recent orders limit 30 -> 40",
            set = { line_items = p.line_items * 4 / 3 }, harmful = false },
          { day = 60, title = "Product lookup split into chunks of 10 ids",
            text = "store: ProductRepo.ByIDs sends ids in chunks of 10",
            set = { item_batch = 10 }, harmful = true },
          { day = 77, title = "pgx upgraded to the next minor version",
            text = "go.mod: pgx v5.5 -> v5.6",
            set = { query_cpu_ms = p.query_cpu_ms * 0.95 }, harmful = false },
          { day = 95, title = "Session tokens verified against a second Redis",
            text = "auth: + second Redis GET for revoked tokens",
            set = { session_ms = p.session_ms * 1.6 }, harmful = false },
        },
      },
      -- Game days: what the facilitator throws at the team. The SLO burn
      -- alert pages about 70 s after the deploy with the defaults.
      gameday = {
        injects = {
          { id = "db-minor-upgrade", at_s = inject_at(p, p.deploy_at_s - 120), kind = "deploy",
            service = "orders-db",
            text = "Postgres 15.6 -> 15.7 on the primary, rolling restart finished, replicas in sync" },
          { id = "care-chats", at_s = inject_at(p, p.deploy_at_s + 210), kind = "message",
            text = "Customer care: a dozen chats in ten minutes from shoppers whose order history will not load" },
          { id = "mobile-page", at_s = inject_at(p, p.deploy_at_s + 330), kind = "page", service = "mobile-bff",
            text = "Orders tab over its latency objective for 5 minutes; app reviews mention a spinner" },
          { id = "leadership-eta", at_s = inject_at(p, p.deploy_at_s + 480), kind = "message",
            text = "Engineering manager: the leadership sync starts in 20 minutes. Do we have a cause yet, "
                .. "and an ETA for the order history page?" },
        },
      },
    }
  end,
}
