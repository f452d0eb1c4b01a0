-- The profiler is part of the system it measures.
--
-- quote-service (a JVM service) prices carts on POST /quote. To find out why
-- quotes are slow, the team first turns on a sampling profiler at 100 Hz,
-- then raises it to 1000 Hz for more detail, then attaches an instrumenting
-- agent that times every entry and exit of every com.shop method. Each step
-- perturbs the service more: stack walks cost about 1% of CPU at 100 Hz and
-- ten times that at 1000 Hz; the agent wraps RuleEngine.applyRule, a tiny
-- method called about 4,000 times per quote that the JIT used to inline, so
-- each call pays for two clock reads and a real call. The agent then reports
-- applyRule at about 40 ms per quote; sampling says about 8 ms, and that is
-- what it costs without the agent.
--
-- Calibration (per /quote, profiler off): CPU 47 ms, waiting 3 ms; applyRule
-- 4,000 calls x 2 us; instrumentation adds 8 us per call of an instrumented method.

local PROFILER_OFF = 0
local SAMPLING_100HZ = 1
local SAMPLING_1000HZ = 2
local INSTRUMENTING = 3

return {
  id = "observer-effect",
  title = "Measured at 40 ms, costs 8 ms: the observer effect",
  level = "senior",
  families = { "jit-deopt" },
  minutes = 25,
  pager = "POST /quote p99 over its SLO after three config changes",
  goals = {
    "Measure the headline metric with the profiler off and on before trusting a profile",
    "Explain why an instrumenting profiler inflates small, frequently called methods the most",
    "Choose a sampling rate whose cost is small next to the question being asked",
  },
  params = {
    rps = { default = 60, min = 1, max = 5000, unit = "req/s", description = "Requests per second across all endpoints" },
    cores = { default = 12, min = 1, max = 256, unit = "cores", description = "CPU cores of quote-service" },
    profiler = { default = PROFILER_OFF, min = 0, max = 3, unit = "",
      description = "What measures the service: 0 nothing, 1 a sampling profiler at 100 Hz, 2 the same at "
                 .. "1000 Hz, 3 an instrumenting agent timing every com.shop method" },
    stack_walk_us = { default = 100, min = 0, max = 100000, unit = "us",
      description = "CPU a sampling profiler spends per sample (signal, stack walk, recording)" },
    instrument_call_us = { default = 8, min = 0, max = 100000, unit = "us",
      description = "Extra CPU per call of an instrumented method: two clock reads, the record, "
                 .. "and the inlining lost" },
    apply_rule_calls = { default = 4000, min = 0, max = 10000000, unit = "calls",
      description = "Calls of RuleEngine.applyRule per quote (rules x cart lines)" },
    apply_rule_us = { default = 2, min = 0, max = 100000, unit = "us", description = "CPU of one applyRule call, inlined" },
    promo_ms = { default = 14, min = 0, max = 10000, unit = "ms",
      description = "CPU of PromotionMatcher.match per quote (about 400 calls)" },
    tax_ms = { default = 8, min = 0, max = 10000, unit = "ms",
      description = "CPU of TaxCalculator.compute per quote (about 100 calls)" },
    risk_ms = { default = 6, min = 0, max = 10000, unit = "ms",
      description = "CPU of RiskScorer.score per quote (about 50 calls)" },
    logging_ms = { default = 1.5, min = 0, max = 10000, unit = "ms", description = "CPU of request logging per quote" },
    cart_size_cv = { default = 0.4, min = 0, max = 5, unit = "",
      description = "Spread of cart sizes: rule, promotion and tax work scale with the cart" },
    sampling_at_s = { default = 600, min = 0, max = 86400, unit = "s", description = "When 100 Hz sampling is switched on" },
    fast_sampling_at_s = { default = 1200, min = 0, max = 86400, unit = "s", description = "When sampling goes to 1000 Hz" },
    agent_at_s = { default = 1800, min = 0, max = 86400, unit = "s", description = "When the instrumenting agent is attached" },
    fix_at_s = { default = 2400, min = 0, max = 86400, unit = "s", description = "When a chosen fix lands" },
    duration_s = { default = 3000, min = 60, max = 86400, unit = "s", description = "Simulated time" },
  },
  build = function(p)
    -- Sampling: each sample costs a stack walk, so the overhead is a fixed share of CPU time.
    local hz = ({ [PROFILER_OFF] = 100, [SAMPLING_100HZ] = 100, [SAMPLING_1000HZ] = 1000, [INSTRUMENTING] = 100 })
    local sampling = p.profiler == SAMPLING_100HZ or p.profiler == SAMPLING_1000HZ
    local stretch = sampling and (1 + hz[p.profiler] * p.stack_walk_us / 1e6) or 1
    -- Instrumentation: a cost per call of each com.shop method, biggest where the calls are many and small.
    local per_call_ms = p.profiler == INSTRUMENTING and p.instrument_call_us / 1000 or 0
    local function app(calls, ms)
      return stretch * (ms + calls * per_call_ms)
    end
    local function lib(ms)  -- library code the agent leaves alone
      return stretch * ms
    end
    local agent_flush_ms = p.profiler == INSTRUMENTING and 0.5 or 0
    return {
      duration_s = p.duration_s,
      fix_at_s = p.fix_at_s,
      first_phase = "baseline",
      trace_sample_rate = 0.005,
      profile_hz = hz[p.profiler],
      service = {
        name = "quote-service", root_frame = "java.lang.Thread.run",
        cores = p.cores, workers = 400, queue_limit = 4096,
        gc = { enabled = false },
      },
      load = { rps = p.rps },
      slo = { endpoint = "POST /quote", threshold_ms = 130, objective = 0.99,
              alerts = { { name = "quote-slo-burn", burn_rate = 5, short_window_s = 300, long_window_s = 1800 } } },
      endpoints = {
        { name = "POST /quote", share = 0.85, timeout_ms = 5000, size_cv = p.cart_size_cv, size_max = 5,
          root = span { name = "quote", frame = "com.shop.quote.QuoteController.quote",
            cpu { frame = "io.netty.handler.codec.http.HttpObjectDecoder.decode", ms = lib(1.5), dist = "lognormal",
                  cv = 0.2 },
            cpu { frame = "com.fasterxml.jackson.databind.ObjectMapper.readValue", ms = lib(4), dist = "lognormal", cv = 0.2,
                  sized = true },
            span { name = "catalog_cache",
              wait { frame = "io.lettuce.core.RedisFuture.get", ms = 3, dist = "lognormal", cv = 0.3 },
            },
            span { name = "apply_rules", frame = "com.shop.pricing.RuleEngine.evaluate",
              cpu { frame = "com.shop.pricing.RuleEngine.applyRule",
                    ms = app(p.apply_rule_calls, p.apply_rule_us * p.apply_rule_calls / 1000),
                    dist = "lognormal", cv = 0.15, sized = true },
            },
            span { name = "promotions",
              cpu { frame = "com.shop.promo.PromotionMatcher.match", ms = app(400, p.promo_ms), dist = "lognormal", cv = 0.2,
                    sized = true },
            },
            cpu { frame = "com.shop.tax.TaxCalculator.compute", ms = app(100, p.tax_ms), dist = "lognormal", cv = 0.2,
                  sized = true },
            cpu { frame = "com.shop.risk.RiskScorer.score", ms = app(50, p.risk_ms), dist = "lognormal", cv = 0.2 },
            cpu { frame = "com.fasterxml.jackson.databind.ObjectMapper.writeValueAsBytes", ms = lib(4), dist = "lognormal",
                  cv = 0.2, sized = true },
            cpu { frame = "ch.qos.logback.classic.Logger.info", ms = lib(p.logging_ms), dist = "lognormal", cv = 0.2 },
            cpu { frame = "com.apm.agent.TraceRecorder.flush", ms = agent_flush_ms },
          } },
        { name = "GET /health", share = 0.15, timeout_ms = 1000,
          root = span { name = "health", frame = "com.shop.HealthController.health",
            cpu { frame = "com.shop.HealthController.health", ms = app(1, 0.1) },
          } },
      },
      timeline = {
        { at_s = p.sampling_at_s, phase = "sampling_100hz", kind = "config", service = "quote-service",
          text = "JAVA_TOOL_OPTIONS: + continuous profiler, CPU sampling at 100 Hz",
          set = { profiler = SAMPLING_100HZ } },
        { at_s = p.fast_sampling_at_s, phase = "sampling_1000hz", kind = "config", service = "quote-service",
          text = "profiler: sampling interval 10 ms -> 1 ms (\"more detail\")",
          set = { profiler = SAMPLING_1000HZ } },
        { at_s = p.agent_at_s, phase = "instrumented", kind = "config", service = "quote-service",
          text = "JAVA_TOOL_OPTIONS: sampling profiler -> -javaagent:apm-agent.jar=trace_methods=com.shop.*",
          set = { profiler = INSTRUMENTING } },
      },
      fixes = {
        back_to_sampling = { title = "Detach the agent and sample at 100 Hz", phase = "after_fix", touches = "cause",
          text = "Sampling at 100 Hz costs about one percent: the JIT inlines applyRule again and the "
              .. "profile shows what production pays, about 8 ms of rules per quote. Thirty seconds of "
              .. "samples are thousands of stacks, plenty to rank the frames of this endpoint.",
          set = { profiler = SAMPLING_100HZ } },
        profiler_off = { title = "Turn all profiling off", phase = "after_fix", touches = "cause",
          text = "Latency returns to where it was before anyone measured, but the next question will be "
              .. "answered blind. A 100 Hz sampler costs about a percent and is worth keeping on.",
          set = { profiler = PROFILER_OFF } },
        sample_1000hz = { title = "Detach the agent but keep sampling at 1000 Hz", phase = "after_fix",
          text = "Better than the agent, but ten samples per millisecond of CPU buy precision this question "
              .. "does not need and cost about a tenth of every quote's CPU, permanently.",
          set = { profiler = SAMPLING_1000HZ } },
        rewrite_apply_rule = { title = "Rewrite applyRule to be twice as fast", phase = "after_fix", touches = "symptom",
          text = "The agent said applyRule takes 40 ms, so the team halved its real cost from 2 to 1 us per "
              .. "call. That saves about 4 ms per quote; the 8 us the agent adds to each of its 4,000 calls "
              .. "is still there, and it was most of the 40 ms.",
          set = { apply_rule_us = p.apply_rule_us / 2 } },
        add_cores = { title = "Scale quote-service from 12 to 16 cores", phase = "after_fix", touches = "elsewhere",
          text = "The cores were mostly idle even with the agent attached; quotes were slow because each "
              .. "one did more CPU work, not because they waited for a core.",
          set = { cores = 16 } },
      },
      bottlenecks = {
        { id = "instrumentation-overhead", title = "The instrumenting agent is the regression",
          symptom = { endpoint = "POST /quote", metric = "p99", onset_s = p.agent_at_s, side = "server" },
          stream = "trace", hot_frame = "com.shop.pricing.RuleEngine.applyRule", hot_span = "apply_rules",
          families = { "jit-deopt" },
          root_cause = "The agent wraps every com.shop method with timing code. For RuleEngine.applyRule, a "
              .. "2 us method called 4,000 times per quote that the JIT used to inline, the wrapper costs "
              .. "four times the method itself: the agent measures about 40 ms of rules per quote and "
              .. "adds most of it. Quotes got about 70% slower because of the measurement; raising the "
              .. "sampling rate to 1000 Hz before that had already cost a tenth.",
          right_fixes = { "back_to_sampling", "profiler_off" },
          wrong_fixes = { "sample_1000hz", "rewrite_apply_rule", "add_cores" },
          hints = {
            observe = "Line the latency of POST /quote up with the config log. What changed at each step, "
                   .. "and by how much?",
            profile = "Compare the apply_rules span, or applyRule's share, under 100 Hz sampling and under "
                   .. "the agent. Can both be the truth?",
            classify = "What happens to a tiny method called thousands of times per request when every call "
                    .. "is wrapped in timing code and can no longer be inlined?",
            predict = "If applyRule became free, how much would a quote gain with the agent attached, and "
                   .. "how much without it?",
            fix = "Which measurement answers \"where does the time go\" at the lowest cost?",
            verify = "Measure the headline with the profiler off and with it on: are they within a few percent?",
            enforce = "What rule would stop the next change to how the service is measured from quietly "
                   .. "slowing it down?",
            move_on = "With honest numbers, which frame is really the widest, and is it worth working on?",
          },
          debrief = "Both numbers for applyRule were measurements; only one described the production system. "
              .. "The agent added a fixed cost to every call, and a method with thousands of tiny calls "
              .. "took the largest share of it, so the agent both slowed quotes down and pointed at the "
              .. "wrong frame. A 100 Hz sampler costs about a percent and sees the service as it runs. "
              .. "Measuring the headline with the profiler off and on would have exposed the 70% at once." },
      },
      enforce = {
        gates = {
          { id = "profiler-ab-test", kind = "load-test-p99", title = "Load test with the profiler off and on",
            endpoint = "POST /quote", threshold = 5, unit = "%",
            description = "Any change to agents, profilers or JVM flags runs the quote load test twice, with "
                       .. "and without it, and fails when p99 differs by more than 5%." },
          { id = "cpu-per-quote-alert", kind = "alert", title = "Alert on CPU per quote",
            endpoint = "POST /quote", threshold = 8, unit = "% day over day",
            measure = "cpu_ms", rule = "growth",
            description = "Pages when CPU seconds per quote rise by more than 8% in a day, whatever the cause." },
          { id = "measure-twice-runbook", kind = "runbook", title = "Runbook: before trusting a profile",
            threshold = 0, unit = "",
            description = "Record the headline metric with the profiler off and on. A gap above 5% means the "
                       .. "profile's proportions are not production's: use a cheaper profiler, 100 Hz sampling first." },
          { id = "zero-cost-gate", kind = "load-test-p99", title = "Observability may cost nothing",
            endpoint = "POST /quote", threshold = 0.5, unit = "%",
            description = "Fails any observability change that moves p99 by more than 0.5%: it blocks even the "
                       .. "100 Hz sampler that makes the next investigation possible." },
        },
        future = {
          { day = 6, title = "Continuous profiling rolled out to every pod at 100 Hz",
            text = "JAVA_TOOL_OPTIONS: + profiler, CPU sampling at 100 Hz",
            set = { profiler = SAMPLING_100HZ }, harmful = false },
          { day = 18, title = "APM agent upgrade turns on method timing for com.shop.*",
            text = "apm-agent 3.2 -> 4.0 (default trace_methods=com.shop.*)",
            set = { profiler = INSTRUMENTING }, harmful = true },
          { day = 31, title = "Promotions gain a loyalty tier",
            text = "promo: + loyalty tier rules (match 14 ms -> 14.6 ms)",
            set = { promo_ms = p.promo_ms * 1.04 }, harmful = false },
          { day = 47, title = "Profiler left at 1 ms sampling after a debugging session",
            text = "profiler: sampling interval 10 ms -> 1 ms",
            set = { profiler = SAMPLING_1000HZ }, harmful = true },
          { day = 62, title = "Logging moves to an async appender",
            text = "logback: ConsoleAppender -> AsyncAppender (1.5 ms -> 1.0 ms)",
            set = { logging_ms = 1.0 }, harmful = false },
          { day = 85, title = "Risk scoring adds a velocity check",
            text = "risk: + order velocity feature (6.0 ms -> 6.3 ms)",
            set = { risk_ms = p.risk_ms * 1.05 }, harmful = false },
        },
      },
    }
  end,
}
