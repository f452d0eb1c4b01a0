-- The first page: invoices slow down after a deploy (the onboarding tutorial).
--
-- A deliberately simple incident to learn the app on. invoice-service has
-- one endpoint, GET /invoice, which loads an invoice from Postgres, formats
-- every price on it (unit price, tax and line total for each of about 40
-- lines, some 120 calls of pricing.FormatPrice) and renders the page. The
-- locale rules FormatPrice needs (decimal and grouping separators, currency
-- symbol and its position) used to be parsed once at startup. A deploy that
-- adds Swiss francs moves that lookup into FormatPrice itself, so each call
-- now parses the embedded locale table again: about 0.15 ms instead of 4 us,
-- and some 18 ms per invoice. Nothing waits longer and nothing allocates
-- much more; one function of the service's own code simply does far more
-- work, and it is the widest frame of the CPU profile by a long way.
--
-- Calibration (seed 1, defaults): 30 req/s for 10 simulated minutes, the
-- deploy at 4:00, a fix at 7:00; FormatPrice 0.5 -> 18.5 ms of CPU per mean
-- invoice, 13.9% -> 86.6% of the endpoint's self CPU; 4 cores 3% -> 16%
-- busy; GET /invoice p99 10.4 ms -> 52.0 ms -> 10.6 ms after the fix (SLO
-- 25 ms); wrong fixes from 52.3 ms (4:00 to 7:00): more cores 51.2 ms, a
-- cached invoice row 49.4 ms, a precompiled template 49.7 ms.

return {
  id = "tutorial-first-page",
  title = "Tutorial: FormatPrice re-reads the locale table on every call",
  level = "junior",
  families = { "cpu-algorithmic" },
  minutes = 5,
  pager = "GET /invoice p99 over its SLO since a deploy",
  goals = {
    "Learn the app: read the latency chart, mark an onset, capture a profile and pick a hot frame",
    "Find the one function of your own code that got wider after a deploy",
    "Use Amdahl's law on the hot frame's share before changing anything, then verify the fix",
    "Choose a gate that would notice the same function getting slower per call",
  },
  guide = {
    observe = "Read the latency chart: the p50 and p99 lines over the run, the SLO line across it, and dashed "
           .. "deploy markers (hover one for its diff). Drag across the chart from where p99 starts to rise to "
           .. "mark the onset, then pick the endpoint and the metric that moved.",
    profile = "The panel opens on the first stream tab, a flame graph of the window you dragged: keep it after "
           .. "the onset. A bar's width is its share of the samples. Click the widest frame of your own code, not "
           .. "the runtime's or a library's, to pick it as the hot frame.",
    classify = "Tick the family that matches what the profile showed: was the time spent working, waiting, or "
            .. "managing memory? Hover a family to read how it looks in the data; pick two only when both apply.",
    predict = "Enter p, the hot frame's share from your profile, and s, how many times faster you expect it to "
           .. "get. Read the Amdahl estimate of p99 against the target, then say go or no-go.",
    fix = "The playbook lists changes by title. Pick the one you believe removes the cause and press Apply: "
       .. "the run replays with it landing at the fix time, and the chart shows what it did.",
    verify = "Compare before and after under the same load: self time per request by frame, the spans, and p99 "
          .. "with your prediction drawn in. Tick what you see: the hot spot shrank, p99 improved, back within "
          .. "target.",
    enforce = "Pick the checks, alerts and runbook entries that would stop this coming back, then commit: the "
           .. "next months are replayed against your set, showing what it caught and what it stopped for nothing.",
    move_on = "The flame graph now shows the minutes after the fix. Click its widest frame and decide whether "
           .. "this incident is done or needs another pass; the scorecard follows, with a debrief.",
  },
  params = {
    rps = { default = 30, min = 1, max = 2000, unit = "req/s", description = "Requests per second to GET /invoice" },
    cores = { default = 4, min = 1, max = 256, unit = "cores", description = "CPU cores of invoice-service" },
    line_items = { default = 40, min = 1, max = 5000, unit = "lines", description = "Lines on a mean invoice" },
    format_us = { default = 4, min = 0, max = 100000, unit = "us",
      description = "CPU for FormatPrice to format one amount once it has the locale rules" },
    locale_parse_us = { default = 150, min = 0, max = 100000, unit = "us",
      description = "CPU to parse the embedded locale table into rules" },
    locale_cached = { default = 1, min = 0, max = 1, unit = "",
      description = "1 when the locale rules are parsed once and kept, 0 when FormatPrice parses them on every call" },
    db_ms = { default = 3, min = 0, max = 10000, unit = "ms", description = "Wait for Postgres to return the invoice" },
    render_ms = { default = 1.5, min = 0, max = 10000, unit = "ms",
      description = "CPU to execute the invoice page's HTML template" },
    deploy_at_s = { default = 240, min = 0, max = 86400, unit = "s", description = "When the Swiss-franc deploy ships" },
    fix_at_s = { default = 420, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 600, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local prices = 3 * p.line_items  -- unit price, tax and line total on every line
    local per_call_us = p.format_us + (p.locale_cached >= 0.5 and 0 or p.locale_parse_us)
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.01,
      service = {
        name = "invoice-service", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 256, queue_limit = 4096,
        gc = { enabled = true, gogc = 100, live_heap_mb = 64, malloc_ns_per_kb = 1000, scan_ns_per_kb = 3000,
               stw_pause_ms = 0.2 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "GET /invoice", threshold_ms = 25, objective = 0.99,
              alerts = { { name = "invoice-slo-burn", burn_rate = 10, short_window_s = 60, long_window_s = 300 } } },
      endpoints = {
        { name = "GET /invoice", share = 1, timeout_ms = 5000, size_cv = 0.4, size_max = 4,
          root = span { name = "invoice", frame = "handlers.GetInvoice",
            cpu { frame = "net/http.(*conn).readRequest", ms = 0.3, alloc_kb = 4, dist = "lognormal", cv = 0.3 },
            cpu { frame = "auth.VerifySession", ms = 0.2, dist = "lognormal", cv = 0.2 },
            span { name = "load_invoice", frame = "store.(*InvoiceRepo).ByID",
              wait { frame = "pgx.(*Conn).Query", ms = p.db_ms, dist = "lognormal", cv = 0.3 },
              cpu { frame = "pgx.(*Rows).Scan", ms = 0.01 * p.line_items, alloc_kb = 0.5 * p.line_items,
                    dist = "lognormal", cv = 0.2, sized = true },
            },
            span { name = "format_prices", frame = "invoice.formatLines",
              cpu { frame = "pricing.FormatPrice", ms = prices * per_call_us / 1000, alloc_kb = prices * 0.05,
                    dist = "lognormal", cv = 0.15, sized = true },
            },
            span { name = "render",
              cpu { frame = "html/template.(*Template).Execute", ms = p.render_ms, alloc_kb = 24,
                    dist = "lognormal", cv = 0.2, sized = true },
              cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.3, dist = "lognormal", cv = 0.3 },
            },
          } },
      },
      timeline = {
        { at_s = p.deploy_at_s, phase = "incident", kind = "deploy", service = "invoice-service",
          text = "pricing: support CHF (FormatPrice looks up the currency's locale rules itself)",
          set = { locale_cached = 0 } },
      },
      fixes = {
        cache_locale = { touches = "cause", title = "Parse the locale rules once and reuse them", phase = "after_fix",
          text = "Parsing the embedded locale table once per process (a sync.Once around the lookup, keyed by "
              .. "currency) gives FormatPrice back its rules for free: each call is a few microseconds of "
              .. "formatting again, some 18 ms less per invoice, and GET /invoice p99 falls back under its SLO. "
              .. "Rolling the deploy back would have done the same, and taken Swiss francs with it.",
          set = { locale_cached = 1 } },
        more_cores = { touches = "elsewhere", title = "Move invoice-service to 8 cores", phase = "after_fix",
          text = "The cores were less than a fifth busy, so invoices hardly ever waited for one. Each invoice "
              .. "still runs its 120 calls one after another on one core, each re-reading the locale table: "
              .. "more cores leave that time exactly where it was.",
          set = { cores = p.cores * 2 } },
        cache_invoice = { touches = "elsewhere", title = "Cache invoice rows in Redis", phase = "after_fix",
          text = "A cache in front of Postgres turns a 3 ms query into a 1 ms read. It is a fine change, but "
              .. "the query never got slower; the time the deploy added is spent formatting prices after it.",
          set = { db_ms = p.db_ms / 3 } },
        precompile_template = { touches = "elsewhere", title = "Precompile the invoice page template",
          phase = "after_fix",
          text = "Executing a precompiled template takes about half as long, less than a millisecond saved. "
              .. "Rendering sits next to the hot frame in the profile, and it is not what the deploy changed.",
          set = { render_ms = p.render_ms / 2 } },
      },
      bottlenecks = {
        { id = "locale-per-call", title = "Every price re-reads the locale table",
          symptom = { endpoint = "GET /invoice", metric = "p99", onset_s = p.deploy_at_s, side = "server" },
          stream = "cpu", hot_frame = "pricing.FormatPrice", hot_span = "format_prices",
          families = { "cpu-algorithmic" },
          root_cause = "The Swiss-franc deploy moved the locale lookup into pricing.FormatPrice, so every call "
              .. "parses the embedded locale table again before formatting one amount. An invoice formats "
              .. "about 120 amounts, and each call went from about 4 us to about 0.15 ms: some 18 ms of extra "
              .. "work per invoice, done on one core, one call after another.",
          right_fixes = { "cache_locale" },
          wrong_fixes = { "more_cores", "cache_invoice", "precompile_template" },
          hints = {
            observe = "There is one endpoint. Which of its latency lines crosses the SLO line, and what happened "
                   .. "on the time axis just before it did?",
            profile = "Capture a window after the onset and compare it with the diff against before: which bar of "
                   .. "the invoice code grew from a sliver to most of the width?",
            classify = "Did requests start waiting on something, churning memory, or doing more work themselves? "
                    .. "The widest frame's self time answers it.",
            predict = "p is the share the hot frame takes in your window. If each call stopped repeating what the "
                   .. "deploy added, how many times cheaper would it be?",
            fix = "Which change makes that function do less work per call, rather than giving it more room or "
               .. "speeding up something next to it?",
            verify = "Compare the hot frame's time per request before and after the fix, and p99 against the SLO "
                  .. "line under the same load.",
            enforce = "Which check would notice one function getting several times slower per call without "
                   .. "failing when invoices simply get longer?",
            move_on = "With the fix in, what is the widest frame now, and is p99 back under the SLO?",
          },
          debrief = "The deploy marker and the rise in p99 lined up, and the CPU profile of the minutes after it "
              .. "had one frame of the service's own code, pricing.FormatPrice, grown from a sliver to most of "
              .. "the width: the same calls, each doing far more work. Nothing waited longer, so more cores, a "
              .. "faster query or a faster template each bought a few percent at most; doing the lookup once "
              .. "removed the extra work and brought p99 back under the SLO." },
      },
      enforce = {
        gates = {
          { id = "format-benchmark", kind = "load-test-p99", title = "Benchmark FormatPrice on a fixed invoice",
            endpoint = "GET /invoice", threshold = 50, unit = "%",
            measure = "frame_ms", frame = "pricing.FormatPrice", rule = "growth",
            params = { line_items = 40, rps = 5 },
            description = "Renders the same 40-line test invoice on every pull request and fails it when the time "
                       .. "spent in pricing.FormatPrice grows by more than half. Longer invoices do not move it; "
                       .. "a slower call does." },
          { id = "invoice-p99-test", kind = "load-test-p99", title = "Load test GET /invoice, 5% p99 budget",
            endpoint = "GET /invoice", threshold = 5, unit = "%",
            description = "Fails a pull request that moves GET /invoice p99 by more than 5% under load. It sees "
                       .. "any slowdown, including the honest ones that come with new features." },
          { id = "invoice-slo-alert", kind = "alert", title = "Alert on GET /invoice SLO burn",
            endpoint = "GET /invoice", threshold = 10, unit = "x burn rate", measure = "burn_rate", rule = "above",
            description = "Pages when the error budget burns ten times too fast. It catches a regression once "
                       .. "users feel it, not before it merges." },
          { id = "cpu-alert", kind = "alert", title = "Alert on CPU above 80%", endpoint = "GET /invoice",
            threshold = 80, unit = "% CPU", measure = "cpu_pct", rule = "above",
            description = "Pages when invoice-service's cores pass 80% busy. One slow function on a mostly idle "
                       .. "service never gets there." },
          { id = "deploy-runbook", kind = "runbook", title = "Runbook: slower right after a deploy",
            description = "When p99 rises at a deploy marker, capture the CPU profile of the minutes after it and "
                       .. "diff it against the minutes before: the frame that grew is where the deploy added work." },
        },
        future = {
          { day = 6, title = "Invoices carry a QR code for bank payment",
            text = "invoice.html: + payment QR code (SVG, rendered inline)", set = { render_ms = p.render_ms * 1.6 },
            harmful = false },
          { day = 15, title = "Amounts are rounded with big.Float",
            text = "pricing.FormatPrice: round via big.Float (4 us -> 32 us per call)",
            set = { format_us = p.format_us * 8 }, harmful = true },
          { day = 27, title = "Invoices list up to 60 lines per page",
            text = "handlers: page size 40 -> 60 lines", set = { line_items = p.line_items * 1.5 }, harmful = false },
          { day = 40, title = "A currency-conversion helper calls FormatPrice without its rules",
            text = "pricing.Convert: FormatPrice(amount, cur, nil) (nil rules: looked up again on every call)",
            set = { locale_cached = 0 }, harmful = true },
          { day = 56, title = "pgx upgraded to the next minor version",
            text = "go.mod: pgx v5.5 -> v5.6", set = { db_ms = p.db_ms * 0.95 }, harmful = false },
          { day = 71, title = "The footer shows payment terms, bank details and a legal notice",
            text = "invoice.html: + footer block (terms, IBAN, legal notice)", set = { render_ms = p.render_ms * 1.3 },
            harmful = false },
        },
      },
    }
  end,
}
