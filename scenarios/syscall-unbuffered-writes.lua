-- Order exports make one write(2) per field.
--
-- report-service builds order exports: it streams the rows from Postgres,
-- encodes each order as one JSON line and writes it to a spool file that the
-- download is then served from. The writer used to sit behind a 4 KB
-- bufio.Writer, so a few hundred fields went to the kernel in one call. A
-- refactor to NDJSON writes every field with fmt.Fprintf straight to the
-- *os.File: about 18,000 write system calls per export instead of about 55.
-- Each call is cheap, a few microseconds of entering the kernel and copying
-- a dozen bytes into the page cache, but there are thousands of them, and
-- the CPU profile of the export endpoint fills up with syscall.write.
-- Nothing waits on the disk: the bytes land in the page cache.
--
-- Calibration (per export of mean size, seed 1): 1,500 orders x 12 fields;
-- 4 us per write call; syscall CPU 0.2 ms -> 72 ms; export CPU (GC
-- included) about 32 -> 104 ms; 4 cores 25% -> 65% busy; export p99
-- 160 ms -> 640 ms -> 160 ms with the buffer back.

return {
  id = "syscall-unbuffered-writes",
  title = "Order exports call write(2) once per field",
  level = "middle",
  families = { "syscall-bound" },
  minutes = 15,
  pager = "GET /exports/orders p99 over its SLO since a deploy",
  goals = {
    "Recognise system-call overhead in a CPU profile: many cheap calls, not one slow device",
    "Predict a fix from the number of calls times the cost of one, before touching the code",
    "Tell batching (a buffered writer) from a faster device, and say why only one of them helps",
    "Choose a gate that catches the next unbuffered writer in review",
  },
  params = {
    rps = { default = 110, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 4, min = 1, max = 256, unit = "cores", description = "CPU cores of report-service (GOMAXPROCS)" },
    orders_per_export = { default = 1500, min = 1, max = 1000000, unit = "orders",
      description = "Orders in a mean export (exports vary widely around it)" },
    fields_per_order = { default = 12, min = 1, max = 1000, unit = "fields", description = "Fields written per order" },
    write_batch = { default = 330, min = 1, max = 100000, unit = "fields",
      description = "Fields that reach the kernel in one write(2): 1 when unbuffered, ~330 behind a 4 KB bufio.Writer" },
    write_call_ms = { default = 0.004, min = 0, max = 10, unit = "ms",
      description = "CPU per write(2) call: fmt and os.File overhead, entering the kernel, copying into the page cache" },
    encode_ms_per_order = { default = 0.01, min = 0, max = 10, unit = "ms",
      description = "CPU to encode one order as a JSON line" },
    db_stream_ms = { default = 6, min = 0, max = 10000, unit = "ms",
      description = "Wait for Postgres to stream the export's rows" },
    fsync_ms = { default = 2.5, min = 0, max = 1000, unit = "ms",
      description = "Wait for fsync of the spool file to reach the disk" },
    summary_ms = { default = 2.0, min = 0, max = 1000, unit = "ms", description = "CPU of GET /reports/summary" },
    export_size_cv = { default = 0.8, min = 0, max = 5, unit = "",
      description = "Spread of export sizes: rows, encoding and writes scale with them" },
    deploy_at_s = { default = 600, min = 0, max = 86400, unit = "s", description = "When the NDJSON refactor deploys" },
    fix_at_s = { default = 1200, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 1800, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local fields = p.orders_per_export * p.fields_per_order
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.005,
      service = {
        name = "report-service", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 256, queue_limit = 2048,
        gc = { enabled = true, gogc = 100, live_heap_mb = 128, malloc_ns_per_kb = 2000, scan_ns_per_kb = 5000,
               stw_pause_ms = 0.3 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "GET /exports/orders", threshold_ms = 250, objective = 0.99,
              alerts = { { name = "exports-slo-burn", burn_rate = 6, short_window_s = 300, long_window_s = 900 } } },
      endpoints = {
        { name = "GET /exports/orders", share = 0.2, timeout_ms = 10000, size_cv = p.export_size_cv, size_max = 8,
          root = span { name = "export_orders", frame = "handlers.ExportOrders",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 0.4, dist = "lognormal", cv = 0.3 },
            span { name = "auth",
              wait { frame = "redis.(*Client).Get", ms = 1.5, dist = "lognormal", cv = 0.3 },
            },
            span { name = "stream_rows",
              wait { frame = "pgx.(*Conn).Query", ms = p.db_stream_ms, dist = "lognormal", cv = 0.3, sized = true },
              cpu { frame = "pgx.(*Rows).Scan", ms = 0.004 * p.orders_per_export, alloc_kb = 0.5 * p.orders_per_export,
                    dist = "lognormal", cv = 0.2, sized = true },
            },
            span { name = "write_spool", frame = "exports.writeOrders",
              cpu { frame = "exports.encodeOrder", ms = p.encode_ms_per_order * p.orders_per_export,
                    alloc_kb = 0.3 * p.orders_per_export, dist = "lognormal", cv = 0.2, sized = true },
              syscalls { frame = "syscall.write", count = fields, batch = p.write_batch, ms = p.write_call_ms,
                         sized = true },
              wait { frame = "os.(*File).Sync", ms = p.fsync_ms, dist = "lognormal", cv = 0.4 },
            },
            cpu { frame = "net/http.serveContent", ms = 0.8, dist = "lognormal", cv = 0.3, sized = true },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 1.5, dist = "lognormal", cv = 0.3, sized = true },
          } },
        { name = "GET /reports/summary", share = 0.8, timeout_ms = 5000,
          root = span { name = "summary", frame = "handlers.Summary",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 0.3, dist = "lognormal", cv = 0.3 },
            queries { frame = "pgx.Query", count = 2, rtt_ms = 1.2, ms = 0.2, alloc_kb = 4, dist = "lognormal", cv = 0.4 },
            cpu { frame = "reports.Summarise", ms = p.summary_ms, alloc_kb = 16, dist = "lognormal", cv = 0.4 },
            cpu { frame = "encoding/json.Marshal", ms = 0.4, alloc_kb = 6, dist = "lognormal", cv = 0.3 },
          } },
      },
      timeline = {
        { at_s = p.deploy_at_s, phase = "incident", kind = "deploy", service = "report-service",
          text = "exports: NDJSON writer; fmt.Fprintf(f, ...) per field straight to the *os.File "
              .. "(bufio.NewWriter(f) removed)",
          set = { write_batch = 1 } },
      },
      fixes = {
        buffer_writes = { touches = "cause", title = "Put a 64 KB bufio.Writer back between the encoder and the file",
          phase = "after_fix",
          text = "The encoder now fills a buffer in user space and the kernel sees one write per 64 KB, about "
              .. "five thousand fields at a time: 18,000 calls per export become four. The work of "
              .. "encoding is the same; the cost of crossing into the kernel thousands of times is gone, so "
              .. "syscall.write drops out of the profile and exports are back to their old speed. Remember "
              .. "to Flush before Sync.",
          set = { write_batch = 5000 } },
        rollback = { touches = "cause", title = "Roll back the NDJSON refactor", phase = "after_fix",
          text = "The old CSV writer buffered internally, so the old number of system calls comes back "
              .. "with it. It works, and it gives up the new format; the buffered NDJSON writer keeps both.",
          set = { write_batch = p.write_batch } },
        faster_disk = { touches = "elsewhere", title = "Move the spool directory to a local NVMe disk", phase = "after_fix",
          text = "A faster disk makes the final fsync quicker, about two milliseconds of an export's time. "
              .. "But the write calls never waited for the disk: they copy a few bytes into the page cache "
              .. "and return. Their cost is entering and leaving the kernel, paid per call, and the number "
              .. "of calls is unchanged.",
          set = { fsync_ms = 0.4 } },
        bigger_instance = { touches = "symptom", title = "Double report-service's cores", phase = "after_fix",
          text = "With twice the cores, requests stop competing for CPU and the worst exports get somewhat "
              .. "faster. Each export still spends most of its CPU entering the kernel, so the exports stay "
              .. "several times slower than before the deploy, on a machine that costs twice as much.",
          set = { cores = p.cores * 2 } },
        faster_encoder = { touches = "symptom", title = "Switch the order encoder to a code-generated JSON marshaller",
          phase = "after_fix",
          text = "Generated marshallers avoid reflection and halve exports.encodeOrder, a fair saving on a "
              .. "frame that was never the problem. The thousands of tiny writes stay, and so does most of "
              .. "the slowdown.",
          set = { encode_ms_per_order = p.encode_ms_per_order / 2 } },
      },
      bottlenecks = {
        { id = "unbuffered-writes", title = "Thousands of tiny write calls per export",
          symptom = { endpoint = "GET /exports/orders", metric = "p99", onset_s = p.deploy_at_s, side = "server" },
          stream = "cpu", hot_frame = "syscall.write", hot_span = "write_spool",
          families = { "syscall-bound" },
          root_cause = "The NDJSON refactor dropped the bufio.Writer and calls fmt.Fprintf once per field on "
              .. "the *os.File, so every field of every order is its own write system call: about 18,000 per "
              .. "export instead of about 55. Each call costs a few microseconds of CPU to enter the kernel "
              .. "and copy a dozen bytes into the page cache, which adds up to about 70 ms of CPU per export "
              .. "and triples the load on the cores.",
          right_fixes = { "buffer_writes", "rollback" },
          wrong_fixes = { "faster_disk", "bigger_instance", "faster_encoder" },
          hints = {
            observe = "Which endpoint slowed down, and is it all requests or the biggest exports? Did the CPU "
                   .. "utilisation move too?",
            profile = "Take a CPU profile of GET /exports/orders and compare it with one from before the "
                   .. "deploy. Which leaf appeared, and which application frame calls it?",
            classify = "Time in syscall.write is CPU spent entering the kernel. Is each call slow, or are "
                    .. "there simply very many? What would strace -c say about the count?",
            predict = "Calls per export times the cost of one call gives the overhead. How many calls would "
                   .. "remain if each write carried a full buffer?",
            fix = "Look at what sits between the encoder and the file since the refactor, and at how many "
               .. "bytes one write hands to the kernel.",
            verify = "Under the same load, compare syscall.write's share and the export p99 before and after. "
                  .. "The output file must be byte for byte the same.",
            enforce = "Which check would notice in review or in a benchmark that the number of system calls "
                   .. "per export grew by a factor of three hundred?",
            move_on = "With the writes batched, what is the widest frame of an export now, and is it worth "
                   .. "a change?",
          },
          debrief = "The export was not waiting for the disk; it was paying a toll on every field. A CPU "
              .. "profile full of syscall.write, with exports.writeOrders as its only caller, meant a huge "
              .. "number of small calls rather than one slow one, and the deploy log showed the buffer "
              .. "disappear. Batching is the fix family for per-call overhead: one buffered writer turned "
              .. "thousands of kernel crossings into a handful, while a faster disk and more cores only "
              .. "made the toll booth a little roomier." },
      },
      enforce = {
        gates = {
          { id = "syscall-rate-alert", kind = "alert", title = "Alert on write calls per export",
            endpoint = "GET /exports/orders", threshold = 1000, unit = "write calls per export",
            measure = "syscalls", rule = "above",
            description = "Counts write(2) calls per export from the runtime's syscall metrics and pages when "
                       .. "they pass 1,000, a few canary minutes after a release. Call counts do not depend "
                       .. "on load or machine noise, so the threshold can sit far above today's 55." },
          { id = "export-load-test", kind = "load-test-p99", title = "Load test: export p99",
            endpoint = "GET /exports/orders", threshold = 30, unit = "%",
            description = "A nightly ten-minute load test of the export endpoint that fails when p99 grows by "
                       .. "more than 30%. Catches it, a day after the merge." },
          { id = "syscall-runbook", kind = "runbook", title = "Runbook: syscall frames in a CPU profile",
            description = "When syscall.* frames grow in a CPU profile, count the calls (strace -c, or the "
                       .. "syscalls metric) before blaming the device, and look for a missing buffer." },
          { id = "disk-latency-alert", kind = "alert", title = "Alert on disk write latency",
            endpoint = "GET /exports/orders", threshold = 10, unit = "ms fsync per export",
            measure = "frame_ms", frame = "os.(*File).Sync", rule = "above",
            description = "Pages when fsync on the spool volume is slow. Unbuffered writes go to the page "
                       .. "cache and never touch this metric, so it stays silent during this incident." },
          { id = "tight-load-test", kind = "load-test-p99", title = "Load test: export p99 may not grow at all",
            endpoint = "GET /exports/orders", threshold = 1, unit = "%",
            description = "Fails any pull request that grows export p99 by more than 1% in a five-minute run: "
                       .. "inside the run-to-run noise, so it blocks harmless changes at random." },
        },
        future = {
          { day = 10, title = "Exports gain a currency field",
            text = "exports.encodeOrder: + currency (12 -> 13 fields per order)",
            set = { fields_per_order = 13 }, harmful = false },
          { day = 24, title = "An audit trail writes each exported order id to its own log file",
            text = "exports: + auditFile.WriteString(id + \"\\n\") per order, unbuffered",
            set = { write_batch = 12 }, harmful = true },
          { day = 37, title = "The largest customers export twice as many orders",
            text = "exports: default range 30 -> 60 days for enterprise accounts (+20% orders on average)",
            set = { orders_per_export = p.orders_per_export * 1.2 }, harmful = false },
          { day = 52, title = "The gzip option writes through an unbuffered gzip.Writer per field",
            text = "exports: gzip.NewWriter(f) with Flush() after every field",
            set = { write_batch = 1 }, harmful = true },
          { day = 70, title = "The summary report adds a refunds section",
            text = "reports.Summarise: + refunds (2.0 ms -> 2.2 ms)",
            set = { summary_ms = p.summary_ms * 1.1 }, harmful = false },
          { day = 88, title = "Order encoding escapes HTML in notes",
            text = "exports.encodeOrder: SetEscapeHTML(true) (+8% encode CPU)",
            set = { encode_ms_per_order = p.encode_ms_per_order * 1.08 }, harmful = false },
        },
      },
    }
  end,
}
