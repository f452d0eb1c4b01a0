-- Eight times faster, three percent sooner.
--
-- ingest-service accepts batches of events on POST /events: it decodes them,
-- tags each event with a region from an IP-range table, drops duplicates by a
-- hash of their idempotency keys, and hands them to Kafka. After the geo
-- table was refreshed with city-level ranges, the linear scan in
-- geo.(*RangeTable).Lookup became most of the request. Meanwhile an engineer
-- has an AVX2 version of dedupe.hashKey ready that is eight times faster in
-- its microbenchmark. hashKey is about 3.4% of the endpoint's CPU, the cores
-- are mostly idle and the request hardly waits on anything, so Amdahl's law
-- holds for latency too: the rewrite buys about 3%. The range table needs a
-- binary search.
--
-- Calibration (per POST /events, incident): CPU about 46 ms, of which geo
-- lookup 24 ms and hashKey 1.6 ms; about 1.5 ms of waiting.

return {
  id = "assembly-rewrite-trap",
  title = "The assembly rewrite that made the service 3% faster",
  level = "senior",
  families = { "cpu-algorithmic" },
  minutes = 25,
  pager = "POST /events p99 over its SLO since a config change",
  goals = {
    "Predict a service-level speed-up from a function's share of the profile, not from its microbenchmark",
    "Check the conditions under which Amdahl's law carries over from CPU time to latency",
    "Find the frame whose fix is worth the effort before writing the fix",
  },
  params = {
    rps = { default = 40, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 8, min = 1, max = 256, unit = "cores", description = "CPU cores of ingest-service (GOMAXPROCS)" },
    geo_ranges = { default = 5000, min = 1, max = 10000000, unit = "ranges",
      description = "IP ranges in the geo table that Lookup scans for each event" },
    incident_geo_ranges = { default = 60000, min = 1, max = 10000000, unit = "ranges",
      description = "IP ranges after the table refresh (city-level instead of country-level)" },
    residency_ranges = { default = 0, min = 0, max = 10000000, unit = "ranges",
      description = "Ranges in a data-residency table scanned linearly per event (0: no such table)" },
    dedupe_recent_keys = { default = 0, min = 0, max = 100000, unit = "keys",
      description = "Recently seen keys dedupe compares each event with one by one (0: none)" },
    geo_binary_search = { default = 0, min = 0, max = 1, unit = "",
      description = "1: Lookup does a binary search over the sorted ranges instead of a linear scan" },
    scan_ns_per_range = { default = 0.4, min = 0, max = 1000, unit = "ns",
      description = "CPU the linear scan spends per range, for each event (about 1,000 events per batch)" },
    hash_ms = { default = 1.6, min = 0, max = 1000, unit = "ms",
      description = "CPU of dedupe.hashKey per batch (pure Go FNV-1a over every idempotency key)" },
    decode_ms = { default = 6, min = 0, max = 1000, unit = "ms", description = "CPU to decode one batch" },
    validate_ms = { default = 4, min = 0, max = 1000, unit = "ms", description = "CPU to validate one batch against its schema" },
    kafka_ms = { default = 1.2, min = 0, max = 1000, unit = "ms", description = "Wait for Kafka to acknowledge a batch" },
    gogc = { default = 100, min = 10, max = 1000, unit = "%", description = "Go GC target: heap growth before a cycle" },
    batch_size_cv = { default = 0.4, min = 0, max = 5, unit = "",
      description = "Spread of batch sizes: the per-event work scales with it" },
    refresh_at_s = { default = 600, min = 0, max = 86400, unit = "s", description = "When the geo table is refreshed" },
    fix_at_s = { default = 1800, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 3000, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local lookup_ms
    if p.geo_binary_search == 1 then
      -- About log2(ranges) comparisons per event instead of all of them.
      lookup_ms = 0.02 * math.log(p.geo_ranges, 2)
    else
      lookup_ms = p.scan_ns_per_range * p.geo_ranges / 1000
    end
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.005,
      service = {
        name = "ingest-service", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 512, queue_limit = 4096,
        gc = { enabled = true, gogc = p.gogc, live_heap_mb = 300,
               malloc_ns_per_kb = 2500, scan_ns_per_kb = 7000, stw_pause_ms = 0.3 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "POST /events", threshold_ms = 60, objective = 0.99,
              alerts = { { name = "ingest-slo-burn", burn_rate = 10, short_window_s = 300, long_window_s = 1800 } } },
      endpoints = {
        { name = "POST /events", share = 0.9, timeout_ms = 5000, size_cv = p.batch_size_cv, size_max = 5,
          root = span { name = "ingest_batch", frame = "handlers.IngestEvents",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 1.0, dist = "lognormal", cv = 0.2, sized = true },
            cpu { frame = "encoding/json.Unmarshal", ms = p.decode_ms, alloc_kb = 60, dist = "lognormal", cv = 0.2,
                  sized = true },
            cpu { frame = "schema.(*Validator).Validate", ms = p.validate_ms, dist = "lognormal", cv = 0.2, sized = true },
            span { name = "enrich", frame = "ingest.enrich",
              cpu { frame = "geo.(*RangeTable).Lookup", ms = lookup_ms, dist = "lognormal", cv = 0.2, sized = true },
              cpu { frame = "residency.(*Table).Lookup", ms = p.scan_ns_per_range * p.residency_ranges / 1000,
                    dist = "lognormal", cv = 0.2, sized = true },
              cpu { frame = "ingest.(*Event).SetRegion", ms = 1.0, dist = "lognormal", cv = 0.2, sized = true },
            },
            span { name = "dedupe", frame = "dedupe.(*Filter).Seen",
              cpu { frame = "dedupe.hashKey", ms = p.hash_ms, dist = "lognormal", cv = 0.2, sized = true },
              cpu { frame = "dedupe.(*Filter).recentContains", ms = 0.02 * p.dedupe_recent_keys, dist = "lognormal",
                    cv = 0.2, sized = true },
              cpu { frame = "runtime.mapaccess2_fast64", ms = 1.5, dist = "lognormal", cv = 0.2, sized = true },
            },
            cpu { frame = "ingest.(*Batch).Encode", ms = 3.0, alloc_kb = 40, dist = "lognormal", cv = 0.2, sized = true },
            span { name = "publish",
              cpu { frame = "github.com/segmentio/kafka-go.(*Writer).WriteMessages", ms = 1.5, dist = "lognormal",
                    cv = 0.2 },
              wait { frame = "github.com/segmentio/kafka-go.(*Writer).WriteMessages", ms = p.kafka_ms,
                     dist = "lognormal", cv = 0.3 },
            },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.4, dist = "lognormal", cv = 0.2 },
            wait { frame = "net.(*conn).Write", ms = 0.2 },
            cpu { frame = "go.opentelemetry.io/otel/sdk/trace.(*recordingSpan).End", ms = 0.4, alloc_kb = 2 },
          } },
        { name = "GET /healthz", share = 0.1, timeout_ms = 1000,
          root = span { name = "healthz", frame = "handlers.Health",
            cpu { frame = "handlers.Health", ms = 0.05 },
          } },
      },
      timeline = {
        { at_s = p.refresh_at_s, phase = "incident", kind = "config", service = "ingest-service",
          text = string.format("geo table refresh: GeoLite country ranges -> city ranges (%d -> %d ranges)",
                               p.geo_ranges, p.incident_geo_ranges),
          set = { geo_ranges = p.incident_geo_ranges } },
      },
      fixes = {
        binary_search = { title = "Sort the ranges once and binary-search them in Lookup", phase = "after_fix", touches = "cause",
          text = "The table is loaded once and then only read, so it can be sorted at load time and each "
              .. "lookup becomes a binary search: about 16 comparisons per event instead of 60,000. The "
              .. "frame that was half of every request becomes a rounding error, and the mean and p99 "
              .. "both drop by about half.",
          set = { geo_binary_search = 1 } },
        asm_hash = { title = "Ship the AVX2 assembly version of dedupe.hashKey", phase = "after_fix", touches = "elsewhere",
          text = "The microbenchmark is right: hashKey is eight times faster. But hashKey was about 3.4% of "
              .. "the request's CPU, and the request is almost all CPU on mostly idle cores, so the best "
              .. "it can do is 3.4% x 7/8: about 3% off the mean. The assembly also has to be maintained, "
              .. "tested on every platform and kept in step with the Go version.",
          set = { hash_ms = p.hash_ms / 8 } },
        faster_json = { title = "Switch to a code-generated JSON decoder", phase = "after_fix", touches = "elsewhere",
          text = "Generated decoding halves encoding/json.Unmarshal: a genuine saving of a few "
              .. "milliseconds, a bigger one than the assembly rewrite because the frame is wider. It "
              .. "still leaves the linear scan, which is where the time went when the table grew.",
          set = { decode_ms = p.decode_ms / 2 } },
        add_cores = { title = "Give ingest-service 12 cores instead of 8", phase = "after_fix", touches = "elsewhere",
          text = "The cores were three-quarters idle; nothing was waiting for one. More cores cost money "
              .. "and change neither the work per batch nor its latency.",
          set = { cores = 12 } },
      },
      bottlenecks = {
        { id = "geo-linear-scan", title = "A linear scan over a table that grew twelvefold",
          symptom = { endpoint = "POST /events", metric = "p99", onset_s = p.refresh_at_s, side = "server" },
          stream = "cpu", hot_frame = "geo.(*RangeTable).Lookup", hot_span = "enrich",
          families = { "cpu-algorithmic" },
          root_cause = "geo.(*RangeTable).Lookup finds an event's region by walking every IP range in "
              .. "order. That was cheap with 5,000 country ranges; the refresh to 60,000 city ranges made "
              .. "it twelve times slower and about half of each batch's CPU. dedupe.hashKey, the function "
              .. "with an assembly rewrite waiting, is a few percent of the profile and was never the "
              .. "problem.",
          right_fixes = { "binary_search" },
          wrong_fixes = { "asm_hash", "faster_json", "add_cores" },
          hints = {
            observe = "Which figure of POST /events moved, and what changed at that moment: code, "
                   .. "configuration or traffic? Look at CPU utilisation as well.",
            profile = "Take a CPU profile of POST /events during the slow period. What share is "
                   .. "dedupe.hashKey, and what is the widest frame?",
            classify = "Is the widest frame doing more work per event than before, or the same work more "
                    .. "often? What does its cost grow with?",
            predict = "With hashKey at its share of the profile and eight times faster, what does Amdahl's "
                   .. "law give for the whole request? Does it hold for latency when the cores are idle "
                   .. "and the request barely waits?",
            fix = "The range table is read-only after it loads. What does that allow Lookup to do?",
            verify = "Compare mean and p99 before and after under the same traffic, and check that Lookup "
                  .. "shrank in the profile as much as predicted.",
            enforce = "What would have warned that a data refresh made a per-event function twelve times "
                   .. "slower?",
            move_on = "Once Lookup is small, which frame leads, and is any of them worth an assembly "
                   .. "rewrite?",
          },
          debrief = "The microbenchmark measured hashKey in isolation and was right about hashKey; it said "
              .. "nothing about the service, where hashKey was 3.4% of the time. With cores idle and almost "
              .. "no waiting, Amdahl's law holds for latency: 3.4% made eight times faster saves about 3%, "
              .. "which is what shipping it showed. Reading hashKey's share off the production profile "
              .. "before the rewrite gives that ceiling, and the same profile names the linear scan that "
              .. "the geo refresh had made twelve times longer." },
      },
      enforce = {
        gates = {
          { id = "events-load-test", kind = "load-test-p99", title = "Load test with production-sized data",
            endpoint = "POST /events", threshold = 15, unit = "%",
            description = "Replays a recorded hour of batches against the release candidate with the current "
                       .. "geo table and fails when p99 grows by more than 15%. Data refreshes go through it too." },
          { id = "lookup-alert", kind = "alert", title = "Alert on CPU per batch",
            endpoint = "POST /events", threshold = 30, unit = "% week over week",
            measure = "cpu_ms", rule = "growth",
            description = "Pages when CPU seconds per batch grow by more than 30% over the last week, however "
                       .. "idle the cores still are." },
          { id = "amdahl-runbook", kind = "runbook", title = "Runbook: before optimising a function",
            threshold = 0, unit = "",
            description = "Write down the function's share of the production profile and the Amdahl ceiling "
                       .. "for the service before starting a rewrite; attach the profile to the proposal." },
          { id = "microbench-gate", kind = "load-test-p99", title = "Microbenchmark gate on dedupe.hashKey",
            endpoint = "POST /events", threshold = 5, unit = "%",
            measure = "frame_ms", frame = "dedupe.hashKey", rule = "growth",
            description = "Fails a pull request that slows BenchmarkHashKey by 5%. It guards a function that "
                       .. "is 3% of the service and would not have seen the geo refresh at all." },
        },
        future = {
          { day = 9, title = "Geo table adds ISP ranges",
            text = "geo refresh: city + ISP ranges, binary search in place (60,000 -> 140,000 ranges)",
            set = { geo_ranges = 140000, geo_binary_search = 1 }, harmful = false },
          { day = 20, title = "hashKey switches to xxhash",
            text = "dedupe: FNV-1a -> xxhash (hashKey 1.6 ms -> 1.8 ms per batch)",
            set = { hash_ms = p.hash_ms * 1.12 }, harmful = false },
          { day = 34, title = "Schema validation checks two new optional fields",
            text = "schema: + device.os, + device.locale (validate 4.0 ms -> 4.3 ms)",
            set = { validate_ms = p.validate_ms * 1.08 }, harmful = false },
          { day = 51, title = "A data-residency table is scanned for every event",
            text = "ingest.enrich: + residency.Lookup, a linear scan over 60,000 ranges like the old geo lookup",
            set = { residency_ranges = 60000 }, harmful = true },
          { day = 66, title = "Kafka acks = all",
            text = "kafka-go: RequiredAcks one -> all (ack wait 1.2 ms -> 1.6 ms)",
            set = { kafka_ms = 1.6 }, harmful = false },
          { day = 80, title = "Batches get a compressed envelope",
            text = "decode: + zstd envelope (decode 6.0 ms -> 6.3 ms)",
            set = { decode_ms = p.decode_ms * 1.05 }, harmful = false },
          { day = 104, title = "Dedupe also checks a slice of recently seen keys",
            text = "dedupe: + for _, k := range f.recent { ... } per event (last 500 keys, linear)",
            set = { dedupe_recent_keys = 500 }, harmful = true },
        },
      },
    }
  end,
}
