-- The regex is slow to build, not slow to run.
--
-- search-service filters index hits with a regular expression built from a
-- text/template and handed to regexp.Compile inside the request handler. That
-- was cheap while the template named a single field. A deploy expands it to
-- every searchable field of the tenant, a dozen alternations, and since then
-- every /search request parses and compiles a large pattern that changes only
-- with configuration. The widest single leaf of the CPU profile is the
-- matcher (regexp.(*Regexp).backtrack), which invites a faster regex engine;
-- the frames one level up show that parsing and compiling the pattern, plus
-- the garbage it leaves, cost more than matching does.
--
-- Calibration (per /search request, incident): compile 8 ms CPU and 200 KB
-- allocated (12 fields), matching 4 ms, everything else about 10 ms.

-- How the pattern gets to the matcher.
local PATTERN_PER_REQUEST = 1  -- template expanded and compiled in every request
local PATTERN_CACHED = 2       -- compiled once per template at start-up, looked up per request

local function compile_steps(p)
  local compile_ms = p.compile_ms_per_field * p.pattern_fields
  local compile_kb = p.compile_kb_per_field * p.pattern_fields
  if p.regex_engine == 1 then
    -- A drop-in RE2 binding: builds a bigger automaton up front, matches in linear time.
    return span { name = "field_pattern", frame = "re2.Compile",
      cpu { frame = "re2.(*compiler).compile", ms = compile_ms * 0.6 * p.engine_compile_factor,
            alloc_kb = compile_kb * 0.6, dist = "lognormal", cv = 0.2 },
      cpu { frame = "re2.(*DFA).build", ms = compile_ms * 0.4 * p.engine_compile_factor,
            alloc_kb = compile_kb * 0.4, dist = "lognormal", cv = 0.2 },
    }
  end
  return span { name = "field_pattern", frame = "regexp.Compile",
    cpu { frame = "regexp/syntax.Parse", ms = compile_ms * 0.375, alloc_kb = compile_kb * 0.4,
          dist = "lognormal", cv = 0.2 },
    cpu { frame = "regexp/syntax.(*Regexp).Simplify", ms = compile_ms * 0.125, alloc_kb = compile_kb * 0.15,
          dist = "lognormal", cv = 0.2 },
    cpu { frame = "regexp/syntax.Compile", ms = compile_ms * 0.3125, alloc_kb = compile_kb * 0.3,
          dist = "lognormal", cv = 0.2 },
    cpu { frame = "regexp.compileOnePass", ms = compile_ms * 0.1875, alloc_kb = compile_kb * 0.15,
          dist = "lognormal", cv = 0.2 },
  }
end

local function prepare_filter(p)
  if p.pattern_mode == PATTERN_CACHED then
    return span { name = "prepare_filter", frame = "search.(*Searcher).fieldMatcher",
      cpu { frame = "sync.(*Map).Load", ms = 0.02 },
    }
  end
  return span { name = "prepare_filter", frame = "search.(*Searcher).fieldMatcher",
    cpu { frame = "text/template.(*Template).Execute", ms = 0.1 + 0.03 * p.pattern_fields,
          alloc_kb = 4 + p.pattern_fields, dist = "lognormal", cv = 0.3 },
    compile_steps(p),
  }
end

local function match_step(p)
  if p.regex_engine == 1 then
    return cpu { frame = "re2.(*DFA).search", ms = p.match_ms * p.engine_match_factor, dist = "lognormal", cv = 0.3,
                 sized = true }
  end
  return cpu { frame = "regexp.(*Regexp).backtrack", ms = p.match_ms, dist = "lognormal", cv = 0.3, sized = true }
end

return {
  id = "search-regex-per-request",
  title = "/search compiles its regex on every request",
  level = "middle",
  families = { "cpu-algorithmic" },
  minutes = 20,
  pager = "/search p99 over its SLO since a deploy",
  goals = {
    "Read the parent chain of a wide leaf before blaming the leaf",
    "Tell work the function must do (matching) from work the caller makes it repeat (compiling)",
    "Compare two fixes by predicting what each removes from the profile",
  },
  params = {
    rps = { default = 150, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 4, min = 1, max = 256, unit = "cores", description = "CPU cores of search-service (GOMAXPROCS)" },
    pattern_mode = { default = PATTERN_PER_REQUEST, min = 1, max = 2, unit = "",
      description = "Where the field pattern is compiled: 1 in every request from the tenant's template, "
                 .. "2 once per template at start-up" },
    pattern_fields = { default = 1, min = 1, max = 200, unit = "fields",
      description = "Fields the template expands into the pattern (one alternation each)" },
    incident_pattern_fields = { default = 12, min = 1, max = 200, unit = "fields",
      description = "Fields in the pattern once the template covers every searchable field of the tenant" },
    regex_engine = { default = 0, min = 0, max = 1, unit = "",
      description = "0 Go's regexp package, 1 an RE2 binding with a DFA matcher" },
    compile_ms_per_field = { default = 2 / 3, min = 0, max = 1000, unit = "ms",
      description = "CPU to parse, simplify and compile the pattern with regexp, per field in it" },
    compile_kb_per_field = { default = 50 / 3, min = 0, max = 100000, unit = "KB",
      description = "Bytes allocated while compiling the pattern, per field in it" },
    match_ms = { default = 4, min = 0, max = 1000, unit = "ms",
      description = "CPU to run the pattern over a request's candidate hits with regexp" },
    engine_match_factor = { default = 0.35, min = 0, max = 10, unit = "x",
      description = "Matching time of the RE2 binding relative to regexp" },
    engine_compile_factor = { default = 1.15, min = 0, max = 10, unit = "x",
      description = "Compile time of the RE2 binding relative to regexp" },
    candidates_ms = { default = 3, min = 0, max = 1000, unit = "ms",
      description = "CPU to collect candidate hits from the in-memory index" },
    rank_ms = { default = 2.5, min = 0, max = 1000, unit = "ms", description = "CPU to rank the filtered hits" },
    tenant_config_ms = { default = 1.5, min = 0, max = 1000, unit = "ms",
      description = "Time to fetch the tenant's search settings from Redis" },
    response_kb = { default = 40, min = 0, max = 100000, unit = "KB", description = "Size of a /search response" },
    gogc = { default = 100, min = 10, max = 1000, unit = "%", description = "Go GC target: heap growth before a cycle" },
    query_size_cv = { default = 0.7, min = 0, max = 5, unit = "",
      description = "Spread of candidate counts across queries: matching and ranking scale with it" },
    deploy_at_s = { default = 600, min = 0, max = 86400, unit = "s", description = "When the per-tenant fields deploy lands" },
    fix_at_s = { default = 1800, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 3000, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.002,
      service = {
        name = "search-service", root_frame = "net/http.(*conn).serve",
        cores = p.cores, workers = 512, queue_limit = 4096,
        gc = { enabled = true, gogc = p.gogc, live_heap_mb = 400,
               malloc_ns_per_kb = 2500, scan_ns_per_kb = 7000, stw_pause_ms = 0.3 },
      },
      load = { rps = p.rps },
      slo = { endpoint = "/search", threshold_ms = 80, objective = 0.99,
              alerts = { { name = "search-slo-burn", burn_rate = 3, short_window_s = 300, long_window_s = 1800 } } },
      endpoints = {
        { name = "/search", share = 0.7, timeout_ms = 3000, size_cv = p.query_size_cv, size_max = 6,
          root = span { name = "search", frame = "handlers.Search",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 0.8, dist = "lognormal", cv = 0.3 },
            cpu { frame = "net/url.ParseQuery", ms = 0.3, alloc_kb = 4 },
            span { name = "tenant_config",
              wait { frame = "redis.(*Client).Get", ms = p.tenant_config_ms, dist = "lognormal", cv = 0.3 },
            },
            prepare_filter(p),
            span { name = "index_lookup",
              cpu { frame = "search.(*Index).Candidates", ms = p.candidates_ms, alloc_kb = 40, dist = "lognormal", cv = 0.3,
                    sized = true },
            },
            span { name = "filter_hits", frame = "search.filterHits",
              match_step(p),
            },
            cpu { frame = "search.rankHits", ms = p.rank_ms, alloc_kb = 10, dist = "lognormal", cv = 0.3, sized = true },
            cpu { frame = "encoding/json.Marshal", ms = 0.05 * p.response_kb, alloc_kb = p.response_kb,
                  dist = "lognormal", cv = 0.3 },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 1.0, dist = "lognormal", cv = 0.3 },
            wait { frame = "net.(*conn).Write", ms = 0.4, dist = "lognormal", cv = 0.3 },
            cpu { frame = "go.opentelemetry.io/otel/sdk/trace.(*recordingSpan).End", ms = 0.5, alloc_kb = 2 },
          } },
        { name = "/suggest", share = 0.3, timeout_ms = 3000,
          root = span { name = "suggest", frame = "handlers.Suggest",
            cpu { frame = "crypto/tls.(*Conn).Read", ms = 0.5, dist = "lognormal", cv = 0.3 },
            cpu { frame = "search.(*Trie).Prefix", ms = 1.5, alloc_kb = 6, dist = "lognormal", cv = 0.4 },
            cpu { frame = "encoding/json.Marshal", ms = 0.4, alloc_kb = 4, dist = "lognormal", cv = 0.3 },
            cpu { frame = "crypto/tls.(*Conn).Write", ms = 0.5, dist = "lognormal", cv = 0.3 },
          } },
      },
      timeline = {
        { at_s = p.deploy_at_s, phase = "incident", kind = "deploy", service = "search-service",
          text = string.format("search: field template covers every searchable field of the tenant "
                               .. "(%d -> %d alternations, still expanded and compiled in fieldMatcher)",
                               p.pattern_fields, p.incident_pattern_fields),
          set = { pattern_fields = p.incident_pattern_fields } },
      },
      fixes = {
        compile_once = { title = "Compile each tenant template once at start-up and reuse it",
          phase = "after_fix", touches = "cause",
          text = "There are a handful of field templates and they change only with configuration, so the "
              .. "searcher compiles each one when it starts (and when the config reloads) and looks the "
              .. "compiled *regexp.Regexp up per request. Parsing, simplifying and compiling leave the "
              .. "request path, along with the garbage they made; matching, which the query really needs, "
              .. "stays where it was.",
          set = { pattern_mode = PATTERN_CACHED } },
        faster_engine = { title = "Switch to an RE2 binding with a DFA matcher", phase = "after_fix", touches = "symptom",
          text = "The new engine matches about three times faster, so the widest leaf shrinks. But the "
              .. "pattern is still built and compiled in every request, and the DFA engine spends even "
              .. "longer compiling; what matching saves, compiling partly gives back.",
          set = { regex_engine = 1 } },
        raise_gogc = { title = "Raise GOGC from 100 to 200", phase = "after_fix", touches = "symptom",
          text = "Fewer GC cycles halve the mark work for the compiler's garbage, a small saving. "
              .. "The parse and compile work itself is untouched, and it is the larger part.",
          set = { gogc = 200 } },
        local_tenant_cache = { title = "Cache tenant settings in process instead of Redis",
          phase = "after_fix", touches = "elsewhere",
          text = "Saves the Redis round trip for the tenant's settings, about a millisecond and a half "
              .. "of waiting per request. The CPU the request spends compiling is the same, and so is "
              .. "the load on the cores.",
          set = { tenant_config_ms = 0.05 } },
      },
      bottlenecks = {
        { id = "regex-compiled-per-request", title = "The field pattern is compiled in every request",
          symptom = { endpoint = "/search", metric = "p99", onset_s = p.deploy_at_s, side = "server" },
          stream = "cpu", hot_frame = "regexp/syntax.Parse", hot_span = "prepare_filter",
          families = { "cpu-algorithmic" },
          root_cause = "fieldMatcher expands the tenant's template and calls regexp.Compile in every "
              .. "request. With one field in the template that cost under a millisecond and nobody "
              .. "noticed; the deploy put all twelve searchable fields in it, and compiling grew twelvefold. "
              .. "The templates change only with configuration, yet each request parses, simplifies and "
              .. "compiles the pattern again, which costs twice as much CPU as running it over the hits "
              .. "and leaves a trail of garbage for the collector.",
          right_fixes = { "compile_once" },
          wrong_fixes = { "faster_engine", "raise_gogc", "local_tenant_cache" },
          hints = {
            observe = "Which endpoint slowed down, since when, and did its traffic change?",
            profile = "In the CPU profile of /search, the widest leaf is regexp work. Which frames call it, "
                   .. "and how wide are they in total?",
            classify = "Some regexp frames run the pattern, others build it. Which of the two does a search "
                    .. "really have to do per request?",
            predict = "Add up the frames under regexp.Compile and those under search.filterHits. What "
                   .. "does each fix remove, and what does it leave?",
            fix = "Does the pattern depend on the query, or only on settings that rarely change?",
            verify = "After the change, are the parse and compile frames gone from the profile, and did p99 "
                  .. "fall back under the same load?",
            enforce = "What would have flagged a pull request that makes a per-request compile twelve times "
                   .. "bigger, or adds a new one?",
            move_on = "With compiling gone, matching is the widest frame again. Is it worth anything now?",
          },
          debrief = "The widest leaf was the matcher, and a faster matcher was a real improvement of that "
              .. "leaf. But the profile, read one level up, showed more time under regexp.Compile than "
              .. "under the matcher: every request rebuilt a pattern that only changes with "
              .. "configuration, a habit that stayed cheap until the deploy made the pattern big. The fix "
              .. "was in the caller, compiling once, and it removed the larger cost without touching the "
              .. "regex engine at all." },
      },
      enforce = {
        gates = {
          { id = "search-benchmark", kind = "load-test-p99", title = "Load test: /search p99 against last release",
            endpoint = "/search", threshold = 15, unit = "%",
            description = "A fifteen-minute replay of yesterday's queries per release candidate; fails when "
                       .. "p99 grows by more than 15%. Slow, but it sees any new CPU on the request path." },
          { id = "alloc-per-search", kind = "alloc-diff", title = "Benchmark gate: bytes allocated per search",
            endpoint = "/search", threshold = 50, unit = "%",
            description = "BenchmarkSearch -benchmem on every pull request; fails when bytes per search grow "
                       .. "by half. A per-request compile allocates a lot, so this catches it cheaply." },
          { id = "compile-runbook", kind = "runbook", title = "Runbook: regexp or template frames in a handler",
            threshold = 0, unit = "",
            description = "When regexp/syntax, template or parser frames show up under a handler, check whether "
                       .. "their input depends on the request; if not, build them once." },
          { id = "search-payload", kind = "payload-contract", title = "Contract test: /search response size",
            endpoint = "/search", threshold = 1.1, unit = "x median",
            measure = "frame_ms", frame = "encoding/json.Marshal", rule = "ratio",
            description = "Fails any change that grows the /search response by 10%. It watches bytes on the "
                       .. "wire, which this regression never touched, and blocks harmless new fields." },
        },
        future = {
          { day = 10, title = "/search returns a highlight snippet per hit",
            text = "search: + highlight field in each hit (40 KB -> 46 KB per response)",
            set = { response_kb = 46 }, harmful = false },
          { day = 24, title = "Tenants can add custom fields to their template",
            text = "search: templates grow to 30 fields (compiled once per template at start-up)",
            set = { pattern_fields = 30, pattern_mode = PATTERN_CACHED }, harmful = false },
          { day = 37, title = "Ranking adds a freshness boost",
            text = "search.rankHits: + freshness decay (2.5 ms -> 2.8 ms)",
            set = { rank_ms = 2.8 }, harmful = false },
          { day = 55, title = "A config-reload refactor drops the compiled-pattern cache",
            text = "search: fieldMatcher calls regexp.Compile(expand(tmpl)) again instead of patterns.Load(tenant)",
            set = { pattern_mode = PATTERN_PER_REQUEST, pattern_fields = 12 }, harmful = true },
          { day = 70, title = "Index shards are split in two",
            text = "index: 8 -> 16 shards (candidate collection 3.0 ms -> 2.7 ms)",
            set = { candidates_ms = 2.7 }, harmful = false },
          { day = 88, title = "Go 1.23 upgrade",
            text = "go.mod: go 1.22 -> 1.23 (regexp matching about 5% faster)",
            set = { match_ms = 3.8 }, harmful = false },
          { day = 101, title = "Spell correction builds a fuzzy pattern for every query",
            text = "search: + regexp.Compile(fuzzy(query)) per request (about 6 alternations)",
            set = { pattern_mode = PATTERN_PER_REQUEST, pattern_fields = 6 }, harmful = true },
        },
      },
    }
  end,
}
