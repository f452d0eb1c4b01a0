-- The related-products walk outgrows the cache.
--
-- recs-service answers GET /recommendations by walking two hops of a
-- co-purchase graph held in memory: a map from product id to *Node, each
-- node a separate heap object with a slice of pointers to its neighbours.
-- Every step of the walk loads a pointer and then the node it points to, so
-- each visit waits for the previous load to come back. While the graph was
-- about 18 MB it sat in the last-level cache and a visit cost a few
-- nanoseconds. The marketplace import grows the catalogue 25-fold; the
-- walk visits the same number of nodes, but they are now scattered over
-- 460 MB and nearly every visit is a trip to DRAM. No code changed, the
-- number of instructions did not change, and the walk is twenty times
-- slower. The CPU profile shows the time in the walk itself: stalled
-- cycles count as CPU.
--
-- Cost per visit = hit_ns + miss share x miss_ns, with the miss share
-- 1 - cache_mb / working set (at least 2%). A flat layout (node ids into
-- contiguous arrays, neighbours stored next to each other) shrinks the
-- working set and lets the hardware prefetcher hide most of each miss.
--
-- Calibration (seed 1): walk per recommendation 0.5 ms -> 11 ms -> 0.8 ms
-- with the flat layout; 4 cores 13% -> 41% busy; GET /recommendations p99
-- 10 ms -> 46 ms -> 10.5 ms.

return {
  id = "cache-pointer-chasing",
  title = "The related-products walk falls out of the cache",
  level = "senior",
  families = { "cache-bound" },
  minutes = 25,
  pager = "GET /recommendations p99 over its SLO since a catalogue import",
  goals = {
    "See that the same code doing the same number of steps can get much slower when its data grows",
    "Reason about cost per memory access and working-set size instead of instruction counts",
    "Predict why a data-layout change helps where a faster algorithm elsewhere or more cores do not",
    "Choose gates that run with production-sized data, not toy fixtures",
  },
  params = {
    rps = { default = 180, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 4, min = 1, max = 256, unit = "cores", description = "CPU cores of recs-service (GOMAXPROCS)" },
    products = { default = 100000, min = 1, max = 1e9, unit = "nodes",
      description = "Products in the co-purchase graph before the import" },
    incident_products = { default = 2500000, min = 1, max = 1e9, unit = "nodes",
      description = "Products in the graph after the marketplace import" },
    visits = { default = 120000, min = 0, max = 1e9, unit = "visits",
      description = "Nodes one two-hop walk visits for a product of mean popularity" },
    layout = { default = 0, min = 0, max = 1, unit = "",
      description = "0: a *Node per product with pointer slices; 1: flat arrays indexed by node id (CSR)" },
    node_bytes = { default = 192, min = 1, max = 100000, unit = "bytes",
      description = "Memory per product in the pointer layout (node, neighbour slice, map entry)" },
    flat_node_bytes = { default = 40, min = 1, max = 100000, unit = "bytes",
      description = "Memory per product in the flat layout (offsets, int32 neighbour ids, scores)" },
    cache_mb = { default = 24, min = 0.1, max = 100000, unit = "MB",
      description = "Last-level cache the walk can count on" },
    hit_ns = { default = 2, min = 0, max = 1000, unit = "ns", description = "Cost of one visit served from cache" },
    miss_ns = { default = 95, min = 0, max = 10000, unit = "ns",
      description = "Extra cost of one visit whose node must come from DRAM, when nothing hides the latency" },
    flat_miss_share = { default = 0.06, min = 0, max = 1, unit = "",
      description = "Share of DRAM latency still exposed in the flat layout, where the prefetcher hides the rest" },
    rank_ms = { default = 1.5, min = 0, max = 1000, unit = "ms",
      description = "CPU of rank.TopK, which sorts the walk's candidates and keeps the best 20" },
    product_db_ms = { default = 1.2, min = 0, max = 1000, unit = "ms", description = "Round trip of the product query" },
    popularity_cv = { default = 0.6, min = 0, max = 5, unit = "",
      description = "Spread of product popularity: the walk and ranking scale with the product's neighbourhood" },
    import_at_s = { default = 600, min = 0, max = 86400, unit = "s", description = "When the marketplace import lands" },
    fix_at_s = { default = 1200, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 1800, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local flat = p.layout >= 0.5
    local bytes = flat and p.flat_node_bytes or p.node_bytes
    local working_set_mb = p.products * bytes / (1024 * 1024)
    local miss = math.min(1, math.max(0.02, 1 - p.cache_mb / working_set_mb))
    local exposed = flat and p.flat_miss_share or 1
    local walk_ms = p.visits * (p.hit_ns + miss * p.miss_ns * exposed) / 1e6
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.005,
      service = {
        name = "recs-service", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 1024, queue_limit = 4096,
        gc = { enabled = true, gogc = 100, live_heap_mb = 64 + working_set_mb, malloc_ns_per_kb = 2000,
               scan_ns_per_kb = 5000, stw_pause_ms = 0.3 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "GET /recommendations", threshold_ms = 25, objective = 0.99,
              alerts = { { name = "recs-slo-burn", burn_rate = 6, short_window_s = 300, long_window_s = 600 } } },
      endpoints = {
        { name = "GET /recommendations", share = 0.6, timeout_ms = 2000, size_cv = p.popularity_cv, size_max = 6,
          root = span { name = "recommendations", frame = "handlers.Recommendations",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 0.3, dist = "lognormal", cv = 0.3 },
            span { name = "load_product",
              queries { frame = "pgx.Query", count = 1, rtt_ms = p.product_db_ms, ms = 0.3, alloc_kb = 4,
                        dist = "lognormal", cv = 0.4 },
            },
            span { name = "walk_graph", frame = "recs.(*Graph).Related",
              cpu { frame = "recs.(*Graph).walk", ms = walk_ms, dist = "lognormal", cv = 0.15, sized = true },
            },
            span { name = "rank",
              cpu { frame = "rank.TopK", ms = p.rank_ms, alloc_kb = 24, dist = "lognormal", cv = 0.2, sized = true },
            },
            cpu { frame = "encoding/json.Marshal", ms = 0.5, alloc_kb = 8, dist = "lognormal", cv = 0.3 },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.3, dist = "lognormal", cv = 0.3 },
          } },
        { name = "GET /product", share = 0.4, timeout_ms = 2000,
          root = span { name = "product", frame = "handlers.Product",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 0.3, dist = "lognormal", cv = 0.3 },
            queries { frame = "pgx.Query", count = 1, rtt_ms = p.product_db_ms, ms = 0.3, alloc_kb = 4,
                      dist = "lognormal", cv = 0.4 },
            cpu { frame = "encoding/json.Marshal", ms = 0.6, alloc_kb = 10, dist = "lognormal", cv = 0.3 },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.3, dist = "lognormal", cv = 0.3 },
          } },
      },
      timeline = {
        { at_s = p.import_at_s, phase = "incident", kind = "config", service = "catalog-importer",
          text = string.format("marketplace import: co-purchase graph %g -> %g products (same fan-out cap of 350)",
                               p.products, p.incident_products),
          set = { products = p.incident_products } },
      },
      fixes = {
        flat_layout = { touches = "cause", title = "Store the graph in flat arrays indexed by node id", phase = "after_fix",
          text = "Products get dense int32 ids; each node's neighbours sit next to each other in one big "
              .. "slice, with offsets and scores in arrays beside it. A node shrinks from about 190 bytes "
              .. "scattered over the heap to 40 bytes in a row, and the walk reads runs of neighbours the "
              .. "prefetcher can fetch ahead instead of chasing one pointer after another. The walk still "
              .. "visits 120,000 nodes, at a few nanoseconds each instead of nearly a hundred.",
          set = { layout = 1 } },
        faster_rank = { touches = "elsewhere",
          title = "Replace the full sort in rank.TopK with a 20-element heap", phase = "after_fix",
          text = "A heap keeps the best 20 candidates in O(n log k) instead of sorting all of them, and "
              .. "rank.TopK gets three times faster. It was a millisecond and a half of a request that now "
              .. "spends ten times as long in the walk, so p99 barely notices. A better algorithm for a "
              .. "step that was not the problem.",
          set = { rank_ms = p.rank_ms / 3 } },
        more_cores = { touches = "elsewhere", title = "Move recs-service to 8 cores", phase = "after_fix",
          text = "More cores take away the competition for CPU, so the worst requests wait a little less. "
              .. "Each walk still stalls on DRAM a hundred thousand times: the time per request, and most "
              .. "of p99, stays where the import put it.",
          set = { cores = p.cores * 2 } },
        cache_product = { touches = "elsewhere", title = "Cache the product row in Redis", phase = "after_fix",
          text = "The product lookup becomes a cache read half a millisecond faster. The request spends its "
              .. "time walking the graph, not waiting for Postgres, so nothing a user notices changes.",
          set = { product_db_ms = p.product_db_ms * 0.6 } },
      },
      bottlenecks = {
        { id = "graph-pointer-chasing", title = "A pointer-linked graph no longer fits in the cache",
          symptom = { endpoint = "GET /recommendations", metric = "p99", onset_s = p.import_at_s, side = "server" },
          stream = "cpu", hot_frame = "recs.(*Graph).walk", hot_span = "walk_graph",
          families = { "cache-bound" },
          root_cause = "The co-purchase graph is a map of separately allocated nodes linked by pointers, and "
              .. "the walk follows them one dependent load at a time. The marketplace import grew the graph "
              .. "from 100,000 to 2.5 million products, from about 18 MB that fit in the last-level cache to "
              .. "about 460 MB that do not. The walk visits as many nodes as before, but nearly every visit "
              .. "now waits roughly a hundred nanoseconds for DRAM, so the same code takes twenty times as "
              .. "long.",
          right_fixes = { "flat_layout" },
          wrong_fixes = { "faster_rank", "more_cores", "cache_product" },
          hints = {
            observe = "GET /recommendations slowed down with no deploy of recs-service. What else changed "
                   .. "around the onset, and did GET /product slow down as much?",
            profile = "The CPU profile's widest frame is the graph walk. Is it doing more steps than last "
                   .. "week, or the same steps more slowly?",
            classify = "Same code, same number of visits, twenty times the time: what grew is the data. "
                    .. "How big is the graph now compared with the cache, and what does each visit wait for?",
            predict = "Visits per request times the cost of one visit: a few nanoseconds from cache, about a "
                   .. "hundred from DRAM. What would a smaller, sequential layout bring it down to?",
            fix = "Look at how the graph is laid out in memory rather than at what the walk computes.",
            verify = "Under the same load and the same graph, compare the walk's CPU per request and p99. "
                  .. "A benchmark on a small fixture graph will not show the difference.",
            enforce = "Which check runs the walk on a graph the size of production's, and which signal would "
                   .. "show the next growth of the catalogue before users do?",
            move_on = "With the walk back to about a millisecond, what dominates a recommendation request now?",
          },
          debrief = "The hot frame was the right place, but not because it did more work. The walk did the "
              .. "same 120,000 visits before and after; what changed was that the nodes no longer fit in "
              .. "the cache, so each pointer it followed cost a trip to memory. A faster sort elsewhere, "
              .. "more cores or a cache for another call could not touch that. Changing the layout, small "
              .. "nodes stored contiguously and read in order, cut the cost of each visit, and with it the "
              .. "frame and p99." },
      },
      enforce = {
        gates = {
          { id = "prod-size-load-test", kind = "load-test-p99", title = "Load test with a production-sized graph",
            endpoint = "GET /recommendations", threshold = 25, unit = "%",
            description = "A nightly load test that loads a snapshot of the production graph, not a fixture, "
                       .. "and fails when p99 grows by more than a quarter. It needs the big machine and "
                       .. "the data, and it is the only test that sees the cache." },
          { id = "walk-time-alert", kind = "alert", title = "Alert on walk time per request",
            endpoint = "GET /recommendations", threshold = 5, unit = "ms mean walk",
            measure = "frame_ms", frame = "recs.(*Graph).walk", rule = "above",
            description = "Pages when recs.(*Graph).walk takes more than 5 ms per request on average for "
                       .. "fifteen minutes: it notices data growth that no code review sees." },
          { id = "graph-runbook", kind = "runbook", title = "Runbook: same code, slower, data grew",
            description = "When a hot frame slows down without a deploy, compare the size of its data with the "
                       .. "cache sizes and count cache misses (perf stat) before tuning the algorithm." },
          { id = "fixture-benchmark", kind = "alloc-diff", title = "Benchmark gate on the 1,000-node fixture",
            endpoint = "GET /recommendations", threshold = 10, unit = "%",
            measure = "cpu_ms", rule = "growth", params = { products = 1000 },
            description = "Runs BenchmarkRelated on the unit-test fixture graph on every pull request. The "
                       .. "fixture fits in L1 cache, so layout and data growth are invisible to it." },
          { id = "query-budget", kind = "query-count", title = "Query budget for GET /recommendations",
            endpoint = "GET /recommendations", threshold = 2, unit = "queries",
            description = "Fails a pull request that adds queries to recommendations. Blind to memory." },
        },
        future = {
          { day = 7, title = "Ranking adds a freshness boost",
            text = "rank.TopK: + score *= freshness(p.updatedAt) (1.5 ms -> 1.6 ms)",
            set = { rank_ms = p.rank_ms * 1.07 }, harmful = false },
          { day = 21, title = "A second marketplace joins the catalogue",
            text = "import: + 3M listings (2.5M -> 5.5M products, flat arrays of 40 bytes per node)",
            set = { products = 5500000 }, harmful = false },
          { day = 34, title = "Product pages load one more column",
            text = "GET /product: + SELECT warranty (query 1.2 ms -> 1.3 ms)",
            set = { product_db_ms = p.product_db_ms * 1.08 }, harmful = false },
          { day = 50, title = "The walk goes a third hop for every product",
            text = "recs.Related: depth 2 -> 3 (about six times the visits per request)",
            set = { visits = p.visits * 6 }, harmful = true },
          { day = 66, title = "Nodes store a category id",
            text = "recs.Node: + category uint32 (pointer layout +4 bytes, flat layout +4 bytes)",
            set = { node_bytes = p.node_bytes + 4, flat_node_bytes = p.flat_node_bytes + 4 }, harmful = false },
          { day = 90, title = "Seasonal catalogue cleanup removes stale listings",
            text = "import: - 300k discontinued products",
            set = { products = p.incident_products - 300000 }, harmful = false },
          { day = 104, title = "Weighted edges move into a map per node",
            text = "recs.Node: neighbours []uint32 -> map[uint32]*Edge (back to a pointer per hop)",
            set = { layout = 0 }, harmful = true },
        },
      },
    }
  end,
}
