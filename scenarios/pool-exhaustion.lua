-- Hotel searches queue for ten database connections.
--
-- bookings-api is a Go service in front of Postgres. Every handler checks a
-- connection out of database/sql's pool for its queries; POST /bookings
-- also keeps its transaction, and so its connection, open while the payment
-- provider authorises the card, some 60 ms. Together the two endpoints keep
-- about nine connections busy on average, and the service has been allowed
-- forty. A config rollout moves bookings-api onto the platform's shared
-- service template, which caps every service at ten open connections so the
-- growing fleet stays under Postgres's max_connections. Nothing is slower:
-- the queries, the payment provider and the cores are where they were. But a
-- pool of ten with nine busy is an M/M/N queue at 90% utilisation, and
-- requests now wait in database/sql.(*DB).conn for a free connection, p99 of
-- GET /availability up about ninefold, while the cores stay mostly idle and
-- Postgres sees fewer connections than before.
--
-- Calibration (defaults, seed 1): 520 req/s; a search holds a connection
-- ~4.1 ms and a booking ~70 ms, ~17 ms on average, so ~9.0 connections busy
-- (Little's law); pool 40 -> 10; GET /availability p99 16.7 ms -> 149 ms ->
-- 16.7 ms with either right fix; wait in database/sql.(*DB).conn 0 -> 23 ms
-- per search; 8 cores 15% busy throughout; the SLO alert pages 300 s after
-- the rollout; a bigger database leaves p99 at 106 ms, the wrong fixes off
-- the critical path at 145-147 ms.

-- A game day's inject fires `t` seconds into the run, moved with the
-- scenario's times and kept inside the run whatever they are set to.
local function inject_at(p, t) return math.max(0, math.min(t, p.duration_s)) end

local kPool = "bookings-db"
local kConnWait = "database/sql.(*DB).conn"

-- One checkout of a pooled connection, holding `steps` until it is released.
local function with_conn(p, frame, ...)
  return lock { lock = kPool, permits = p.pool_size, frame = frame, wait_frame = kConnWait, ... }
end

return {
  id = "pool-exhaustion",
  title = "Hotel searches crawl while every dashboard looks calm",
  level = "middle",
  families = { "lock-bound" },
  minutes = 18,
  pager = "GET /availability p99 over its SLO, error budget burning fast",
  goals = {
    "See that latency can rise ninefold while the cores and the database both stay quiet",
    "Read an off-CPU profile in which requests wait for one of N shared permits, and find who holds them and how long",
    "Predict from requests per second times hold time how many permits are busy, and why a pool just above that queues",
    "Pick checks that notice a config change or a longer hold, not only slower code",
  },
  params = {
    rps = { default = 520, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 8, min = 1, max = 256, unit = "cores", description = "CPU cores of bookings-api (GOMAXPROCS)" },
    max_inflight = { default = 256, min = 1, max = 100000, unit = "requests",
      description = "Requests bookings-api serves at once (netutil.LimitListener); the rest wait to be accepted" },
    pool_size = { default = 40, min = 1, max = 1000, unit = "connections",
      description = "Open connections database/sql may keep to Postgres (SetMaxOpenConns) before the rollout" },
    template_pool_size = { default = 10, min = 1, max = 1000, unit = "connections",
      description = "SetMaxOpenConns in the platform's shared service template" },
    search_query_ms = { default = 1.2, min = 0, max = 1000, unit = "ms",
      description = "Round trip of one availability query: network plus Postgres" },
    search_queries = { default = 3, min = 0, max = 100, unit = "queries",
      description = "Queries one availability search sends (room types, rate plans, open holds)" },
    write_query_ms = { default = 1.5, min = 0, max = 1000, unit = "ms",
      description = "Round trip of one statement of the booking transaction" },
    booking_queries = { default = 4, min = 0, max = 100, unit = "queries",
      description = "Statements a booking runs before the card is authorised (BEGIN, lock the room, two INSERTs)" },
    payment_ms = { default = 60, min = 0, max = 10000, unit = "ms",
      description = "Wait for the payment provider to authorise the card" },
    payment_in_tx = { default = 1, min = 0, max = 1, unit = "",
      description = "1: the booking transaction stays open, holding its connection, while the card is authorised" },
    email_ms = { default = 0, min = 0, max = 10000, unit = "ms",
      description = "Wait for the mail relay to accept the confirmation, inside the transaction (0: sent by a worker)" },
    session_ms = { default = 1.0, min = 0, max = 1000, unit = "ms", description = "Wait for the session lookup in Redis" },
    fx_ms = { default = 3.0, min = 0, max = 1000, unit = "ms",
      description = "Round trip to fx-rates for the currency table every search converts prices with" },
    render_ms = { default = 0.7, min = 0, max = 1000, unit = "ms", description = "CPU to encode one availability response" },
    deploy_at_s = { default = 500, min = 0, max = 86400, unit = "s", description = "When the config rollout lands" },
    fix_at_s = { default = 1000, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 1500, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local confirm = queries { frame = "database/sql.(*Tx).ExecContext", count = 2, rtt_ms = p.write_query_ms, ms = 0.2,
                              alloc_kb = 2, dist = "exp" }
    local authorise = downstream { service = "payments-gateway", rtt_ms = p.payment_ms, payload_kb = 1.5,
                                   decode_ms_per_kb = 0.05, decode_alloc_per_kb = 3, dist = "lognormal", cv = 0.4 }
    local email = nil
    if p.email_ms > 0 then
      email = wait { frame = "net/smtp.(*Client).Data", ms = p.email_ms, dist = "lognormal", cv = 0.5 }
    end
    local reserve
    if p.payment_in_tx >= 1 then
      -- One transaction from the room hold to the confirmation, the card authorised in the middle of it.
      reserve = {
        with_conn(p, "store.(*Bookings).Reserve",
          queries { frame = "database/sql.(*Tx).ExecContext", count = p.booking_queries, rtt_ms = p.write_query_ms,
                    ms = 0.2, alloc_kb = 3, dist = "exp" },
          authorise, confirm, email),
      }
    else
      -- Hold the room and commit, authorise with no connection checked out, then confirm in a second transaction.
      reserve = {
        with_conn(p, "store.(*Bookings).Reserve",
          queries { frame = "database/sql.(*Tx).ExecContext", count = p.booking_queries + 1, rtt_ms = p.write_query_ms,
                    ms = 0.2, alloc_kb = 3, dist = "exp" }),
        authorise,
        with_conn(p, "store.(*Bookings).Confirm",
          queries { frame = "database/sql.(*Tx).ExecContext", count = 3, rtt_ms = p.write_query_ms, ms = 0.2,
                    alloc_kb = 2, dist = "exp" },
          email),
      }
    end
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.002,
      service = {
        name = "bookings-api", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = p.max_inflight, queue_limit = 8192,
        gc = { enabled = true, gogc = 100, live_heap_mb = 128, malloc_ns_per_kb = 1500, scan_ns_per_kb = 3000,
               stw_pause_ms = 0.2 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "GET /availability", threshold_ms = 50, objective = 0.99,
              alerts = { { name = "availability-slo-burn", burn_rate = 10, short_window_s = 300, long_window_s = 600 } } },
      endpoints = {
        { name = "GET /availability", share = 0.8, timeout_ms = 3000,
          root = span { name = "availability", frame = "handlers.(*Search).Availability",
            cpu { frame = "net/http.(*conn).readRequest", ms = 0.3, alloc_kb = 4, dist = "lognormal", cv = 0.3 },
            span { name = "session",
              wait { frame = "redis.(*Client).Get", ms = p.session_ms, dist = "lognormal", cv = 0.3 },
            },
            span { name = "currency",
              downstream { service = "fx-rates", rtt_ms = p.fx_ms, payload_kb = 8, decode_ms_per_kb = 0.03,
                           decode_alloc_per_kb = 2, dist = "lognormal", cv = 0.3 },
            },
            span { name = "load_availability",
              with_conn(p, "store.(*Inventory).Availability",
                queries { frame = "database/sql.(*Conn).QueryContext", count = p.search_queries,
                          rtt_ms = p.search_query_ms, ms = 0.15, alloc_kb = 6, dist = "exp" }),
            },
            span { name = "render",
              cpu { frame = "encoding/json.Marshal", ms = p.render_ms, alloc_kb = 24, dist = "lognormal", cv = 0.3 },
              cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.3, dist = "lognormal", cv = 0.3 },
            },
          } },
        { name = "POST /bookings", share = 0.2, timeout_ms = 5000,
          root = span { name = "book", frame = "handlers.(*Bookings).Create",
            cpu { frame = "encoding/json.Unmarshal", ms = 0.5, alloc_kb = 8, dist = "lognormal", cv = 0.3 },
            span { name = "session",
              wait { frame = "redis.(*Client).Get", ms = p.session_ms, dist = "lognormal", cv = 0.3 },
            },
            span { name = "reserve", table.unpack(reserve) },
            cpu { frame = "encoding/json.Marshal", ms = 0.3, alloc_kb = 6, dist = "lognormal", cv = 0.3 },
          } },
      },
      timeline = {
        { at_s = p.deploy_at_s, phase = "incident", kind = "config", service = "bookings-api",
          text = string.format("helm: bookings-api adopts the shared go-service values v4 (db.maxOpenConns %.0f -> %.0f, "
              .. "db.maxIdleConns 10 -> 5, db.connMaxLifetime 30m -> 15m, log.format json)",
              p.pool_size, p.template_pool_size),
          set = { pool_size = p.template_pool_size } },
      },
      fixes = {
        restore_pool = { touches = "cause", phase = "after_fix",
          title = "Give bookings-api back its 40 connections, overriding the template",
          text = "Little's law sizes the pool: 520 requests a second, each keeping a connection about 17 ms, "
              .. "keep some nine connections busy on average. Ten allowed leaves one spare, and an M/M/N queue "
              .. "at 90% utilisation makes a good share of requests wait, some for a long time. Forty "
              .. "leaves room for bursts, the wait disappears and p99 is back where it was. The template's "
              .. "worry is real, though: forty per pod times the replicas must still fit Postgres's limit, "
              .. "so the override needs that sum written down next to it.",
          set = { pool_size = p.pool_size } },
        release_before_payment = { touches = "cause", phase = "after_fix",
          title = "Authorise the card outside the booking transaction",
          text = "Hold the room in a short transaction and commit it, call the payment provider with no "
              .. "connection checked out, then confirm in a second short transaction. A booking now keeps "
              .. "a connection for about 14 ms, in two short stretches, instead of about 70; the average "
              .. "hold drops from about 17 ms to about 6, and ten connections are under a third busy. The "
              .. "queue empties without undoing the template, and the database keeps the lower connection "
              .. "count it asked for.",
          set = { payment_in_tx = 0 } },
        more_cores = { touches = "elsewhere", phase = "after_fix", title = "Move bookings-api to 16 cores",
          text = "The cores were about 15% busy. Requests are not waiting for a core but for one of "
              .. "ten connections, and doubling the cores does not add a connection or shorten a hold: "
              .. "the wait stays, and the bill doubles.",
          set = { cores = 16 } },
        bigger_db = { touches = "symptom", phase = "after_fix", title = "Move Postgres to the next instance size",
          text = "The database was never slow, but a bigger instance still takes a little off every round "
              .. "trip, so connections come back a little sooner and the queue shortens somewhat. Most of "
              .. "the time a connection is held is the card authorisation, which Postgres does not run: "
              .. "the pool stays nearly full and p99 stays far over the SLO.",
          set = { search_query_ms = p.search_query_ms * 0.85, write_query_ms = p.write_query_ms * 0.85 } },
        cache_fx = { touches = "elsewhere", phase = "after_fix", title = "Cache the currency table in process",
          text = "Keeping today's rates in memory saves the call to fx-rates, a few milliseconds on each "
              .. "search. That call happens before a connection is needed and holds none, so the queue for "
              .. "connections is exactly as long and p99 barely moves.",
          set = { fx_ms = 0.05 } },
        raise_inflight = { touches = "elsewhere", phase = "after_fix",
          title = "Raise the server's in-flight limit from 256 to 1024",
          text = "Fewer than a hundred requests were in flight, far under the limit, so raising it changes "
              .. "nothing; had it bitten, letting more requests in would only have moved them from the "
              .. "listener's queue to the queue for connections, with more goroutines and memory besides.",
          set = { max_inflight = 1024 } },
      },
      bottlenecks = {
        { id = "pool-starved", title = "Ten connections for nine connections' worth of work",
          symptom = { endpoint = "GET /availability", metric = "p99", onset_s = p.deploy_at_s, side = "server" },
          stream = "offcpu", hot_frame = kConnWait, hot_span = "load_availability",
          families = { "lock-bound" },
          root_cause = "The config rollout capped database/sql at ten open connections where bookings-api "
              .. "had forty. Each search keeps a connection about 4 ms and each booking about 70 ms, because "
              .. "its transaction stays open while the card is authorised; at 520 requests a second that is "
              .. "about nine connections busy on average. A pool of ten at 90% utilisation queues: searches "
              .. "spend tens of milliseconds waiting to be handed a connection, while the cores, the queries "
              .. "and Postgres are as fast as before.",
          right_fixes = { "restore_pool", "release_before_payment" },
          wrong_fixes = { "more_cores", "bigger_db", "cache_fx", "raise_inflight" },
          hints = {
            observe = "p99 of GET /availability jumped. Did traffic, errors, CPU or the database's own "
                   .. "latency move with it, and what happened to the service at that minute?",
            profile = "The CPU profile of a search looks the same before and after. Where does a search "
                   .. "spend its time when no core is running it?",
            classify = "The search is waiting, not working, and not on the network either. What is it "
                    .. "waiting to be given, and who else takes the same thing?",
            predict = "Multiply the requests per second of each endpoint by how long each keeps what the "
                   .. "searches wait for. How many are busy on average, against how many may exist?",
            fix = "Either there must be more of what they wait for, or each holder must give it back "
               .. "sooner. Which holder keeps it longest, and what is it doing meanwhile?",
            verify = "Compare the wait per search and p99 before and after at the same load: the wait "
                  .. "should all but vanish, not merely shrink.",
            enforce = "A benchmark of one request cannot see a queue of many. Which check runs at "
                   .. "production concurrency, or watches the wait itself?",
            move_on = "With the wait gone, what is the widest part of a search now, and is it worth a loop?",
          },
          debrief = "Searches were slow while nothing was busy: not the cores, not Postgres, not the network. "
              .. "The off-CPU profile put the new time in database/sql.(*DB).conn, waiting for a "
              .. "connection, and the config history showed the pool cut from forty to ten. Multiplying "
              .. "the load by the time each request keeps a connection gave about nine in use, and a pool "
              .. "that is 90% busy queues hard. More connections, or shorter holds (no card authorisation "
              .. "inside a transaction), empty the queue; faster cores, a faster database or a cache in "
              .. "front of another call leave it almost as long." },
      },
      enforce = {
        gates = {
          { id = "conn-wait-alert", kind = "alert", title = "Alert on connection wait per search",
            endpoint = "GET /availability", threshold = 2, unit = "ms per request",
            measure = "frame_ms", frame = kConnWait, rule = "above",
            description = "Pages when the continuous profile shows searches waiting more than 2 ms on "
                       .. "average in database/sql.(*DB).conn. It sees the pool fill up, whatever filled it." },
          { id = "availability-load-test", kind = "load-test-p99", title = "Load test at production traffic",
            endpoint = "GET /availability", threshold = 25, unit = "%",
            description = "Replays production traffic against a canary, with its real pool settings, and "
                       .. "fails the release when search p99 grows by more than a quarter." },
          { id = "slow-but-idle-runbook", kind = "runbook", title = "Runbook: slow, but nothing is busy",
            description = "When latency rises and neither the cores nor the database do, take an off-CPU "
                       .. "profile first, then compare connections in use (db.Stats) with the pool's "
                       .. "maximum and read the config history next to the deploy log." },
          { id = "cpu-alert", kind = "alert", title = "Alert when CPU utilisation passes 70%",
            endpoint = "GET /availability", threshold = 70, unit = "% CPU",
            measure = "cpu_pct", rule = "above",
            description = "Pages when bookings-api's cores are more than 70% busy. A service that waits for "
                       .. "connections queues with its cores idle." },
          { id = "booking-query-budget", kind = "query-count", title = "Query budget for POST /bookings",
            endpoint = "POST /bookings", threshold = 6, unit = "queries",
            description = "Fails a pull request that makes a booking send more than six statements. It "
                       .. "counts round trips, not how long a connection is kept between them." },
        },
        future = {
          { day = 11, title = "Search results show two more room attributes",
            text = "availability: + bed types and accessibility flags in the response",
            set = { render_ms = p.render_ms * 1.2 }, harmful = false },
          { day = 24, title = "The shared template's next version is applied again",
            text = "helm: go-service values v5 re-applied over the override (db.maxOpenConns -> 12)",
            set = { pool_size = 12 }, harmful = true },
          { day = 37, title = "Summer traffic grows a fifth",
            text = "load: 520 -> 625 req/s",
            set = { rps = p.rps * 1.2 }, harmful = false },
          { day = 50, title = "Bookings send the confirmation email before committing",
            text = "store.(*Bookings).Reserve: + mailer.Send(confirmation) before tx.Commit()",
            set = { email_ms = 250 }, harmful = true },
          { day = 64, title = "Availability joins the promotions table",
            text = "store.(*Inventory).Availability: rate plans query joins promotions (1.2 ms -> 2.6 ms)",
            set = { search_query_ms = 2.6 }, harmful = true },
          { day = 79, title = "Bookings record the loyalty number",
            text = "store.(*Bookings).Reserve: + INSERT INTO loyalty_claims (4 -> 5 statements)",
            set = { booking_queries = 5 }, harmful = false },
        },
      },
      -- Game days: what the facilitator throws at the team. The SLO burn
      -- alert pages about 300 s after the rollout with the defaults.
      gameday = {
        injects = {
          { id = "rates-ingest-deploy", at_s = inject_at(p, p.deploy_at_s + 90), kind = "deploy",
            service = "rates-ingest",
            text = "release 5.2.0: partner rate feeds now pulled every two minutes instead of five" },
          { id = "dba-offer", at_s = inject_at(p, p.deploy_at_s + 390), kind = "message",
            text = "DBA: nothing unusual on the primary from where I sit. Want me to fail over to the standby "
                .. "just in case?" },
          { id = "search-web-page", at_s = inject_at(p, p.deploy_at_s + 480), kind = "page",
            service = "search-web",
            text = "Hotel results page over its latency objective for 5 minutes; bounce rate alarm on landing pages" },
          { id = "revenue-eta", at_s = inject_at(p, p.deploy_at_s + 660), kind = "message",
            text = "Revenue manager: search conversion has dropped since mid-morning. Is it us or the partners, "
                .. "and when will it be back?" },
        },
      },
    }
  end,
}
