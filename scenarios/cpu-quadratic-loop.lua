-- Notifications slow down a little more every time the audience doubles.
--
-- notify-service sends a message to everyone a mention reaches. Before it
-- fans out, notify.dedupeRecipients removes duplicates the old-fashioned
-- way: for each candidate it scans the list it has built so far. That is
-- n x n / 2 comparisons, and at 500 recipients nobody noticed a millisecond.
-- Two ordinary feature deploys each double the audience of a mention: first
-- linked channels, then thread followers. The loop's code never changes,
-- but its input goes from 500 to 2,000 and its cost from about 1 ms to about
-- 16 ms, four times per doubling, while everything else grows at most
-- twofold. The CPU profile says exactly where the time is; the lesson is
-- in how it grows.
--
-- Calibration (seed 1, mean request): dedupe 1 ms -> 4 ms -> 16 ms over the
-- phases baseline, growth, incident; 0.06 ms with a set; POST /notify p99
-- 15 ms -> 28 ms -> 79 ms -> 15 ms after the fix; 4 cores 7% -> 27% busy.

local DEDUPE_QUADRATIC, DEDUPE_SET, DEDUPE_SORT = 0, 1, 2

return {
  id = "cpu-quadratic-loop",
  title = "Deduplicating recipients gets four times slower every time the audience doubles",
  level = "junior",
  families = { "cpu-algorithmic" },
  minutes = 12,
  pager = "POST /notify p99 over its SLO after two deploys",
  goals = {
    "Find the frame whose share grows faster than its input from one phase to the next",
    "Recognise quadratic growth: double the input, four times the time",
    "Fix the algorithm, not the machine, and predict the new cost from the input size",
    "Pick a gate that tests with tomorrow's input sizes, not today's",
  },
  params = {
    rps = { default = 100, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 4, min = 1, max = 256, unit = "cores", description = "CPU cores of notify-service (GOMAXPROCS)" },
    recipients = { default = 500, min = 1, max = 1e7, unit = "recipients",
      description = "Candidate recipients of a mean mention, before deduplication" },
    dedupe_algo = { default = 0, min = 0, max = 2, unit = "",
      description = "How dedupeRecipients works: 0 scans the result for every candidate, 1 uses a set, 2 sorts and compacts" },
    compare_ns = { default = 8, min = 0, max = 10000, unit = "ns",
      description = "One comparison of two recipient ids in the scanning loop" },
    set_ns = { default = 30, min = 0, max = 10000, unit = "ns", description = "One insert-if-absent into a hash set" },
    sort_ns = { default = 10, min = 0, max = 10000, unit = "ns", description = "Sorting cost per element per log2(n)" },
    build_us = { default = 0.2, min = 0, max = 10000, unit = "us",
      description = "CPU to build one recipient's notification record" },
    mutes = { default = 300, min = 0, max = 1e7, unit = "users", description = "Users who muted the channel" },
    mute_scan = { default = 0, min = 0, max = 1, unit = "",
      description = "1 when applyMutes scans the mute list for every recipient instead of looking them up in a set" },
    insertion_sort = { default = 0, min = 0, max = 1, unit = "",
      description = "1 when recipients are ordered by time zone with an insertion sort instead of sort.Slice" },
    members_db_ms = { default = 3, min = 0, max = 10000, unit = "ms",
      description = "Wait for Postgres to return the channel's members" },
    mention_size_cv = { default = 0.8, min = 0, max = 5, unit = "",
      description = "Spread of audience sizes across mentions" },
    growth_at_s = { default = 500, min = 0, max = 86400, unit = "s", description = "When linked channels ship" },
    incident_at_s = { default = 1000, min = 0, max = 86400, unit = "s", description = "When thread followers ship" },
    fix_at_s = { default = 1500, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 2000, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    local n = p.recipients
    local algo = math.floor(p.dedupe_algo + 0.5)
    local dedupe_ms
    if algo == DEDUPE_QUADRATIC then
      dedupe_ms = n * n / 2 * p.compare_ns / 1e6
    elseif algo == DEDUPE_SET then
      dedupe_ms = n * p.set_ns / 1e6
    else
      assert(algo == DEDUPE_SORT)
      dedupe_ms = n * math.log(math.max(n, 2), 2) * p.sort_ns / 1e6
    end
    local mute_ms = (p.mute_scan >= 0.5 and n * p.mutes * p.compare_ns or n * p.set_ns) / 1e6
    local order_ms = (p.insertion_sort >= 0.5 and n * n / 4 * p.compare_ns
                      or n * math.log(math.max(n, 2), 2) * p.sort_ns) / 1e6
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.005,
      service = {
        name = "notify-service", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 512, queue_limit = 4096,
        gc = { enabled = true, gogc = 100, live_heap_mb = 64, malloc_ns_per_kb = 1000, scan_ns_per_kb = 3000,
               stw_pause_ms = 0.2 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "POST /notify", threshold_ms = 30, objective = 0.99,
              alerts = { { name = "notify-slo-burn", burn_rate = 6, short_window_s = 300, long_window_s = 600 } } },
      endpoints = {
        { name = "POST /notify", share = 0.5, timeout_ms = 5000, size_cv = p.mention_size_cv, size_max = 8,
          root = span { name = "notify", frame = "handlers.Notify",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 0.4, dist = "lognormal", cv = 0.3 },
            cpu { frame = "encoding/json.Unmarshal", ms = 0.3, alloc_kb = 6, dist = "lognormal", cv = 0.3 },
            cpu { frame = "notify.resolveMentions", ms = 1.5, alloc_kb = 8, dist = "lognormal", cv = 0.3 },
            span { name = "load_members",
              wait { frame = "pgx.(*Conn).Query", ms = p.members_db_ms, dist = "lognormal", cv = 0.3 },
              cpu { frame = "pgx.(*Rows).Scan", ms = n * 0.0001, alloc_kb = n * 0.03, dist = "lognormal", cv = 0.2,
                    sized = true },
            },
            span { name = "dedupe",
              cpu { frame = "notify.dedupeRecipients", ms = dedupe_ms, alloc_kb = n * 0.01, dist = "lognormal",
                    cv = 0.1, sized = true },
            },
            cpu { frame = "notify.applyMutes", ms = mute_ms, dist = "lognormal", cv = 0.1, sized = true },
            cpu { frame = "notify.orderByTimezone", ms = order_ms, dist = "lognormal", cv = 0.1, sized = true },
            span { name = "fan_out",
              cpu { frame = "notify.buildMessages", ms = n * p.build_us / 1000, alloc_kb = n * 0.04,
                    dist = "lognormal", cv = 0.2, sized = true },
              wait { frame = "kafka.(*Writer).WriteMessages", ms = 2.5, dist = "lognormal", cv = 0.3 },
            },
            cpu { frame = "encoding/json.Marshal", ms = 0.2, alloc_kb = 2, dist = "lognormal", cv = 0.3 },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.3, dist = "lognormal", cv = 0.3 },
          } },
        { name = "GET /inbox", share = 0.5, timeout_ms = 5000,
          root = span { name = "inbox", frame = "handlers.Inbox",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 0.3, dist = "lognormal", cv = 0.3 },
            wait { frame = "redis.(*Client).ZRange", ms = 1.2, dist = "lognormal", cv = 0.3 },
            cpu { frame = "encoding/json.Marshal", ms = 0.6, alloc_kb = 12, dist = "lognormal", cv = 0.3 },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.3, dist = "lognormal", cv = 0.3 },
          } },
      },
      timeline = {
        { at_s = p.growth_at_s, phase = "growth", kind = "deploy", service = "notify-service",
          text = string.format("mentions: @channel also reaches members of linked channels (%g -> %g recipients)",
                               p.recipients, p.recipients * 2),
          set = { recipients = p.recipients * 2 } },
        { at_s = p.incident_at_s, phase = "incident", kind = "deploy", service = "notify-service",
          text = string.format("mentions: + followers of the thread (%g -> %g recipients)",
                               p.recipients * 2, p.recipients * 4),
          set = { recipients = p.recipients * 4 } },
      },
      fixes = {
        use_set = { touches = "cause", title = "Deduplicate with a map[UserID]struct{}", phase = "after_fix",
          text = "Each candidate is checked against a hash set in constant time, so the cost grows with the "
              .. "list instead of with its square: 2,000 recipients take about 2,000 set operations instead "
              .. "of two million comparisons. dedupeRecipients falls from the top of the profile to almost "
              .. "nothing, and the next doubling of the audience will only double its small cost.",
          set = { dedupe_algo = DEDUPE_SET } },
        sort_dedupe = { touches = "cause", title = "Sort the candidates and drop neighbours that repeat", phase = "after_fix",
          text = "Sorting costs n log n and one pass then removes the duplicates. That is a little more than "
              .. "a set, and it changes the order of recipients, but it removes the quadratic scan just as "
              .. "well and allocates nothing extra.",
          set = { dedupe_algo = DEDUPE_SORT } },
        more_cores = { touches = "elsewhere", title = "Move notify-service to 8 cores", phase = "after_fix",
          text = "More cores let more mentions run side by side and take away some queueing for the CPU. "
              .. "Each mention still runs its two million comparisons on one core, so a big mention is "
              .. "exactly as slow as before, and the next doubling makes it four times slower again.",
          set = { cores = p.cores * 2 } },
        cache_members = { touches = "elsewhere", title = "Cache channel members in Redis", phase = "after_fix",
          text = "The members query becomes a cache read about two milliseconds faster. The loop that "
              .. "compares every recipient with every other one is untouched, and it is most of the time.",
          set = { members_db_ms = p.members_db_ms / 3 } },
        faster_build = { touches = "elsewhere", title = "Build notification records from a template", phase = "after_fix",
          text = "A precompiled template halves the work per recipient in notify.buildMessages. That part "
              .. "grows only linearly with the audience and was never the problem; the quadratic scan "
              .. "before it is unchanged.",
          set = { build_us = p.build_us / 2 } },
      },
      bottlenecks = {
        { id = "quadratic-dedupe", title = "A nested scan that grows with the square of the audience",
          symptom = { endpoint = "POST /notify", metric = "p99", onset_s = p.incident_at_s, side = "server" },
          stream = "cpu", hot_frame = "notify.dedupeRecipients", hot_span = "dedupe",
          families = { "cpu-algorithmic" },
          root_cause = "notify.dedupeRecipients checks each candidate by scanning every recipient kept so "
              .. "far, about n squared over two comparisons. The code is old; what changed is n. Two "
              .. "feature deploys doubled the audience of a mention twice, from 500 to 2,000, so the loop "
              .. "went from about 1 ms to about 16 ms per mention while the rest of the work at most "
              .. "doubled, and the biggest mentions went well past the SLO.",
          right_fixes = { "use_set", "sort_dedupe" },
          wrong_fixes = { "more_cores", "cache_members", "faster_build" },
          hints = {
            observe = "p99 of POST /notify crept up after the first deploy and jumped after the second. What "
                   .. "did each deploy change about the work a mention has to do?",
            profile = "Compare the CPU profiles of the three phases. Which frame's share grows from one to "
                   .. "the next, and by how much?",
            classify = "The audience doubled twice. Which frames doubled, and which one grew about four "
                    .. "times each time? What kind of loop does that?",
            predict = "If the scan costs n squared over two comparisons of a few nanoseconds, what does it "
                   .. "cost at 2,000 recipients, and what would a set cost at the same size?",
            fix = "Read notify.dedupeRecipients: how does it decide whether it has already seen a recipient?",
            verify = "After the change, is dedupeRecipients still visible in the profile, and is p99 back to "
                  .. "its old level at today's audience size?",
            enforce = "Which test would have shown the growth at 2,000 or 10,000 recipients before the "
                   .. "audience got there?",
            move_on = "With the scan gone, what grows with the audience now, and how fast?",
          },
          debrief = "No deploy touched the loop that got slow. dedupeRecipients had always compared every "
              .. "recipient with every other; at 500 that was a millisecond, and each doubling of the "
              .. "audience multiplied it by four while everything else merely doubled. Reading the growth "
              .. "across phases, not just the size of the frame, identified a quadratic algorithm, and a "
              .. "set turned it back into linear work. More cores, a cache and a faster template were all "
              .. "aimed at parts that grew no faster than their input." },
      },
      enforce = {
        gates = {
          { id = "scaling-benchmark", kind = "load-test-p99", title = "Benchmark at 10x today's audience",
            endpoint = "POST /notify", threshold = 25, unit = "%",
            measure = "cpu_ms", rule = "growth", params = { recipients = 5000, rps = 5 },
            description = "Runs the notify path with mentions of 5,000 and 20,000 recipients on every pull "
                       .. "request and fails when time per mention grows by more than a quarter. A quadratic "
                       .. "step shows up here long before production reaches those sizes." },
          { id = "notify-slo-alert", kind = "alert", title = "Alert on POST /notify SLO burn",
            endpoint = "POST /notify", threshold = 6, unit = "x burn rate",
            measure = "burn_rate", rule = "above",
            description = "Pages when the error budget burns six times too fast over ten minutes. It catches "
                       .. "the regression once users feel it, not before." },
          { id = "growth-runbook", kind = "runbook", title = "Runbook: a frame that grows faster than its input",
            description = "When a frame's share grows more than its input did between releases, plot its time "
                       .. "against input size before optimising anything: a straight line is fine, a curve is "
                       .. "an algorithm." },
          { id = "fixture-test", kind = "load-test-p99", title = "Load test with the 50-recipient fixture",
            endpoint = "POST /notify", threshold = 10, unit = "%",
            params = { recipients = 50 },
            description = "Replays the test fixture's small mentions on every pull request. At 50 recipients "
                       .. "a quadratic loop and a linear one cost the same, so it cannot tell them apart." },
          { id = "query-budget", kind = "query-count", title = "Query budget for POST /notify",
            endpoint = "POST /notify", threshold = 2, unit = "queries",
            description = "Fails a pull request that adds queries to a mention. Blind to CPU spent in loops." },
        },
        future = {
          { day = 6, title = "Notification records include the sender's avatar URL",
            text = "notify.buildMessages: + avatar_url (+10% per record)",
            set = { build_us = p.build_us * 1.1 }, harmful = false },
          { day = 18, title = "Mentions also reach guests of shared channels",
            text = "mentions: + shared-channel guests (2,000 -> 3,000 recipients)",
            set = { recipients = p.recipients * 6 }, harmful = false },
          { day = 29, title = "Mutes are checked by scanning the mute list",
            text = "notify.applyMutes: for each recipient { for each muted user { ... } } (set lookup removed)",
            set = { mute_scan = 1 }, harmful = true },
          { day = 45, title = "The members query joins user preferences",
            text = "load_members: + JOIN user_prefs (3.0 ms -> 3.4 ms)",
            set = { members_db_ms = p.members_db_ms * 1.13 }, harmful = false },
          { day = 63, title = "Recipients are ordered by time zone with a hand-written insertion sort",
            text = "notify.orderByTimezone: sort.Slice replaced by insertionSort(recipients, byTZ)",
            set = { insertion_sort = 1 }, harmful = true },
          { day = 80, title = "Inbox responses carry read receipts",
            text = "GET /inbox: + read receipts (+0.1 ms)",
            set = { build_us = p.build_us * 1.05 }, harmful = false },
        },
      },
    }
  end,
}
