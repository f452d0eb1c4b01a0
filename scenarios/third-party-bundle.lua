-- The third-party script on the product page.
--
-- Marketing asks for a personalisation vendor on the product page. Its
-- snippet goes into <head> as a synchronous script (the vendor's docs say so,
-- to avoid flicker), and it pulls its runtime and experiment bundle in before
-- anything paints: about 600 KB more JavaScript to download, parse and run,
-- and some 400 ms of execution on a median phone. The servers do not notice:
-- the API answers as fast as ever. Real users do: LCP p75 on the product
-- page goes from about 2 s to about 4 s.
--
-- Calibration (product route): 480 KB -> 1080 KB of render-blocking
-- JavaScript, execute 350 -> 750 ms on a median device; 6 Mbit/s median
-- bandwidth, 300 ms TTFB from the CDN.

return {
  id = "third-party-bundle",
  title = "A third-party script doubles product-page LCP",
  level = "junior",
  families = { "bundle-bound" },
  minutes = 10,
  pager = "Product page LCP p75 up since a front-end deploy",
  goals = {
    "Notice a regression that only real-user monitoring shows while server latency stays flat",
    "Break LCP into first byte, download, parse and execute, and find which part grew",
    "See why speeding up the server cannot fix a page that is waiting on its own JavaScript",
    "Set a per-route bundle budget with enough headroom for honest feature work",
  },
  params = {
    rps = { default = 40, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 4, min = 1, max = 256, unit = "cores", description = "CPU cores of storefront-api" },
    app_bundle_kb = { default = 480, min = 1, max = 20000, unit = "KB",
      description = "First-party JavaScript the product page loads before it paints" },
    sync_vendor_kb = { default = 0, min = 0, max = 20000, unit = "KB",
      description = "Third-party JavaScript loaded synchronously in <head> of the product page" },
    sync_vendor_exec_ms = { default = 0, min = 0, max = 10000, unit = "ms",
      description = "Main-thread time the synchronous third-party scripts run before first paint (median device)" },
    async_vendor_kb = { default = 120, min = 0, max = 20000, unit = "KB",
      description = "Third-party JavaScript loaded after the page has painted (analytics, deferred tags)" },
    app_execute_ms = { default = 350, min = 0, max = 10000, unit = "ms",
      description = "Main-thread time of the page's own code before first paint (median device)" },
    ttfb_ms = { default = 300, min = 0, max = 10000, unit = "ms", description = "Time to first byte of the page's HTML" },
    bandwidth_mbps = { default = 6, min = 0.1, max = 1000, unit = "Mbit/s", description = "Median user bandwidth" },
    product_db_ms = { default = 3.5, min = 0, max = 1000, unit = "ms",
      description = "Postgres time of one product query in /product" },
    deploy_at_s = { default = 600, min = 0, max = 86400, unit = "s", description = "When the vendor snippet ships" },
    fix_at_s = { default = 1200, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 1800, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local function client(route, bundle_kb, execute_ms)
      return { route = route, bundle_kb = bundle_kb, bandwidth_mbps = p.bandwidth_mbps, ttfb_ms = p.ttfb_ms,
               parse_compile_ms_per_kb = 0.3, execute_ms = execute_ms, device_cv = 0.5, inp_handler_ms = 70 }
    end
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.005,
      service = {
        name = "storefront-api", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 256, queue_limit = 4096,
        gc = { enabled = true, gogc = 100, live_heap_mb = 128,
               malloc_ns_per_kb = 1500, scan_ns_per_kb = 3000, stw_pause_ms = 0.3 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "/product", threshold_ms = 250, objective = 0.99,
              alerts = { { name = "product-slo-burn", burn_rate = 10, short_window_s = 300, long_window_s = 1800 } } },
      endpoints = {
        { name = "/product", share = 0.5, timeout_ms = 5000,
          client = { route = "/p/[slug]", bandwidth_mbps = p.bandwidth_mbps, ttfb_ms = p.ttfb_ms,
                     parse_compile_ms_per_kb = 0.3, execute_ms = p.app_execute_ms + p.sync_vendor_exec_ms,
                     device_cv = 0.5, inp_handler_ms = 70,
                     -- What the bundle analyzer lists; the bundle is their sum.
                     modules = {
                       { name = "product page (first-party)", kb = p.app_bundle_kb, execute_ms = p.app_execute_ms },
                       { name = "vendor tags in <head> (sync)", kb = p.sync_vendor_kb, execute_ms = p.sync_vendor_exec_ms },
                     } },
          root = span { name = "get_product", frame = "handlers.Product",
            cpu { frame = "net/http.(*conn).readRequest", ms = 0.5, dist = "lognormal", cv = 0.3, alloc_kb = 4 },
            span { name = "product_query", frame = "store.(*ProductRepo).BySlug",
              queries { frame = "pgx.(*Conn).Query", count = 3, rtt_ms = 1.2 + p.product_db_ms, ms = 0.3,
                        alloc_kb = 6, dist = "lognormal", cv = 0.5 },
            },
            span { name = "price_lookup",
              downstream { service = "pricing-service", rtt_ms = 1.2, remote_ms = 14, payload_kb = 3,
                           decode_ms_per_kb = 0.03, decode_alloc_per_kb = 5, dist = "lognormal", cv = 0.5 },
            },
            span { name = "render",
              cpu { frame = "encoding/json.Marshal", ms = 1.2, dist = "lognormal", cv = 0.3, alloc_kb = 30 },
              cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.5, dist = "lognormal", cv = 0.3 },
            },
          } },
        { name = "/search", share = 0.3, timeout_ms = 5000,
          client = client("/search", 390, 300),
          root = span { name = "search", frame = "handlers.Search",
            cpu { frame = "net/http.(*conn).readRequest", ms = 0.5, dist = "lognormal", cv = 0.3, alloc_kb = 4 },
            span { name = "search_query",
              downstream { service = "search-service", rtt_ms = 1.2, remote_ms = 22, payload_kb = 12,
                           decode_ms_per_kb = 0.03, decode_alloc_per_kb = 5, dist = "lognormal", cv = 0.5 },
            },
            cpu { frame = "encoding/json.Marshal", ms = 1.5, dist = "lognormal", cv = 0.3, alloc_kb = 40 },
          } },
        { name = "/cart", share = 0.2, timeout_ms = 5000,
          root = span { name = "get_cart", frame = "handlers.Cart",
            cpu { frame = "handlers.Cart", ms = 0.6, dist = "lognormal", cv = 0.4, alloc_kb = 6 },
            wait { frame = "redis.(*Client).Get", ms = 2.5, dist = "lognormal", cv = 0.3 },
          } },
      },
      timeline = {
        { at_s = p.deploy_at_s, phase = "incident", kind = "deploy", service = "storefront-web",
          text = "product page <head>: + <script src=\"https://cdn.personalize.example/v3/loader.js\"> "
              .. "(synchronous, pulls runtime and experiments: +600 KB)",
          set = { sync_vendor_kb = 600, sync_vendor_exec_ms = 400 } },
      },
      fixes = {
        defer_vendor = { touches = "cause",
          title = "Load the personalisation script after the page has painted", phase = "after_fix",
          text = "Marking the vendor loader async and starting it after the load event takes its 600 KB "
              .. "and 400 ms of execution off the path to the first paint. The browser downloads, parses "
              .. "and runs only the page's own code before it can show the product, so LCP returns to about "
              .. "2 s; the personalisation still runs, a moment later.",
          set = { sync_vendor_kb = 0, sync_vendor_exec_ms = 0, async_vendor_kb = p.async_vendor_kb + 600 } },
        remove_vendor = { touches = "cause", title = "Remove the personalisation script", phase = "after_fix",
          text = "Taking the snippet out removes everything it added to the critical path. LCP goes back to "
              .. "where it was; marketing loses the experiments until the script comes back in a form "
              .. "that does not block rendering.",
          set = { sync_vendor_kb = 0, sync_vendor_exec_ms = 0 } },
        faster_api = { touches = "elsewhere", title = "Cache product queries in the API", phase = "after_fix",
          text = "A cache in front of the product queries makes /product answer faster, and the server "
              .. "dashboards look better for it. But the server was never the slow part: LCP is first "
              .. "byte, download and script work in the browser, and none of those changed.",
          set = { product_db_ms = 0.5 } },
        api_cdn = { touches = "elsewhere", title = "Put the API behind the CDN", phase = "after_fix",
          text = "Serving from the edge shaves some 30 ms off the first byte. The browser still has to "
              .. "download, parse and run over a megabyte of JavaScript before it can paint, so LCP moves "
              .. "by about one percent.",
          set = { ttfb_ms = p.ttfb_ms - 30 } },
        trim_app = { touches = "symptom", title = "Minify the first-party bundle harder", phase = "after_fix",
          text = "Stricter minification and dropping a polyfill save about 40 KB of the page's own code. "
              .. "It is a real saving, but small next to the 600 KB the vendor added: LCP improves by a "
              .. "few percent and stays near 4 s.",
          set = { app_bundle_kb = p.app_bundle_kb - 40 } },
      },
      bottlenecks = {
        { id = "sync-vendor-script", title = "A synchronous third-party script blocks the first paint",
          symptom = { endpoint = "/product", metric = "lcp", onset_s = p.deploy_at_s, side = "client" },
          stream = "bundle", hot_frame = "handlers.Product",
          families = { "bundle-bound" },
          root_cause = "The vendor snippet was added to <head> as a blocking script. Before the product "
              .. "page can paint, every visitor now downloads about 600 KB more JavaScript and spends "
              .. "some 400 ms more running it, which on a median phone over a median connection doubles "
              .. "LCP. The API, and so every server-side signal, is unchanged.",
          right_fixes = { "defer_vendor", "remove_vendor" },
          wrong_fixes = { "faster_api", "api_cdn", "trim_app" },
          hints = {
            observe = "Compare what the servers measure for /product with what real browsers report for "
                   .. "the product page. Which one moved, and when?",
            profile = "The server profile will not help here. What did the product page ship before and "
                   .. "after the change, in kilobytes and in main-thread time?",
            classify = "First byte, download, parse and compile, execute: which of them grew?",
            predict = "If the new script no longer blocked the first paint, how much of the extra 2 s "
                   .. "would go away? And how much would a faster API remove?",
            fix = "A script that is not needed for the first paint does not have to be loaded before it.",
            verify = "Check LCP p75 from real users on the product page, not the server's p99, and the "
                  .. "size of what the page loads before painting.",
            enforce = "Which check would fail a pull request that adds half a megabyte to a route, "
                   .. "without blocking every small component?",
            move_on = "With the script deferred, is the page's own bundle the next thing worth a loop?",
          },
          debrief = "Nothing on the servers moved, which was the clue: the regression lived in the "
              .. "browser. LCP grew because the page had to fetch and run a large blocking script "
              .. "before painting anything. Caching the API or moving it to the edge improved numbers "
              .. "nobody was complaining about; deferring the script put LCP back at about 2 s." },
      },
      enforce = {
        gates = {
          { id = "product-bundle-budget", kind = "bundle-budget", title = "Bundle budget for the product page",
            endpoint = "/product", threshold = 540, unit = "KB",
            description = "Fails a pull request that makes the render-blocking JavaScript of the product "
                       .. "route exceed 540 KB, third-party scripts included; larger changes need sign-off." },
          { id = "zero-growth-budget", kind = "bundle-budget", title = "The product bundle may not grow",
            endpoint = "/product", threshold = 485, unit = "KB",
            description = "A budget a few kilobytes above today's size: every new component on the "
                       .. "product page fails the build until someone raises it." },
          { id = "product-load-test", kind = "load-test-p99", title = "Load test /product", endpoint = "/product",
            threshold = 20, unit = "%",
            description = "Fails a pull request that slows the /product API p99 by more than 20%. It "
                       .. "measures the server, which a blocking script never touches." },
          { id = "lcp-alert", kind = "alert", title = "Alert on product-page LCP", endpoint = "/product",
            threshold = 2500, unit = "ms p75",
            measure = "lcp_p75_ms", rule = "above",
            description = "Pages the web team when real-user LCP p75 on the product page stays above "
                       .. "2.5 s for an hour; it catches tags added outside the code review too." },
          { id = "third-party-runbook", kind = "runbook", title = "Runbook: LCP up, servers flat",
            description = "When RUM worsens and the API does not, list the scripts the page loads before "
                       .. "painting and diff them against the last good release." },
        },
        future = {
          { day = 12, title = "Product page gets a size guide",
            text = "product page: + SizeGuide component (+12 KB)",
            set = { app_bundle_kb = p.app_bundle_kb + 12 }, harmful = false },
          { day = 30, title = "Support adds a chat widget to every product page",
            text = "product page <head>: + chat widget loader, synchronous (+350 KB)",
            set = { sync_vendor_kb = 350, sync_vendor_exec_ms = 220 }, harmful = true },
          { day = 44, title = "React minor upgrade",
            text = "package.json: react 18.2 -> 18.3 (-20 KB)",
            set = { app_bundle_kb = p.app_bundle_kb - 20 }, harmful = false },
          { day = 58, title = "Analytics vendor ships a larger tag, still loaded after paint",
            text = "analytics.js: 120 KB -> 210 KB (async, after load)",
            set = { async_vendor_kb = 210 }, harmful = false },
          { day = 75, title = "A/B test tool moved back into <head> to stop flicker",
            text = "product page <head>: personalize loader async -> sync",
            set = { sync_vendor_kb = 600, sync_vendor_exec_ms = 400 }, harmful = true },
          { day = 92, title = "Product page shows review highlights",
            text = "product page: + ReviewHighlights component (+30 KB)",
            set = { app_bundle_kb = p.app_bundle_kb + 30 }, harmful = false },
        },
      },
    }
  end,
}
