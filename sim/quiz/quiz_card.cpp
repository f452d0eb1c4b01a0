#include "sim/quiz/quiz_card.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/engine/profile_query.h"
#include "sim/engine/rng.h"
#include "sim/engine/run_budget.h"
#include "sim/io/json_text.h"
#include "sim/loop/answers.h"
#include "sim/quiz/quiz_variant.h"

namespace perfloop {

namespace {

const char* family_label(const std::string& family) {
  if (family == "cpu-algorithmic") return "CPU: algorithmic";
  if (family == "allocation-bound") return "Allocation and GC";
  if (family == "cache-bound") return "Cache and memory";
  if (family == "lock-bound") return "Lock contention";
  if (family == "io-n-plus-1") return "I/O: N+1 round trips";
  if (family == "syscall-bound") return "Syscalls";
  if (family == "jit-deopt") return "JIT and deoptimisation";
  if (family == "bundle-bound") return "Client bundle";
  return "";
}

double window_headline(const EndpointWindow& w, const std::string& metric, double seconds) {
  if (metric == "p50") return w.latency_ns.quantile(0.5) / 1e6;
  if (metric == "error_rate") return w.completed ? 100.0 * static_cast<double>(w.errors) / static_cast<double>(w.completed) : 0.0;
  if (metric == "rps") return seconds > 0 ? static_cast<double>(w.completed) / seconds : 0.0;
  if (metric == "lcp") return w.lcp_ns.quantile(0.75) / 1e6;
  if (metric == "inp") return w.inp_ns.quantile(0.75) / 1e6;
  return w.latency_ns.quantile(0.99) / 1e6;
}

HeadlineSeries headline_series(const Simulation& sim, const BottleneckSpec& b, double until_s) {
  HeadlineSeries h;
  h.endpoint = b.symptom.endpoint;
  h.metric = b.symptom.metric;
  h.unit = headline_unit(b.symptom.metric);
  h.target = b.symptom.target;
  h.duration_s = until_s;
  const int e = sim.symbols().find_endpoint(b.symptom.endpoint);
  if (e < 0) return h;
  for (const WindowStats& w : sim.windows()) {
    const double end_s = ns_to_s(static_cast<double>(w.end));
    if (end_s > until_s + 1e-9) break;
    if (static_cast<std::size_t>(e) >= w.endpoints.size()) continue;
    const auto& ew = w.endpoints[static_cast<std::size_t>(e)];
    if (ew.completed == 0) continue;
    h.t_s.push_back(end_s);
    h.values.push_back(window_headline(ew, h.metric, ns_to_s(static_cast<double>(w.end - w.start))));
  }
  for (const LogEvent& ev : sim.events())
    if ((ev.kind == "deploy" || ev.kind == "config") && ns_to_s(static_cast<double>(ev.t)) < until_s)
      h.changes_s.push_back(ns_to_s(static_cast<double>(ev.t)));
  return h;
}

bool worse(const std::string& metric, double now, double before) {
  return metric == "rps" ? now <= 0.9 * before : now >= 1.1 * before;
}

constexpr const char* kFlameStreams[] = {"cpu", "alloc", "offcpu"};

// How many times faster the fix makes the hot spot alone, as a benchmark of
// that code would say; 1000 stands for "gone".
double local_speedup(const FixOutcome& out) {
  if (out.hotspot_before <= 0.0) return 1.0;
  if (out.hotspot_after <= out.hotspot_before / 1000.0) return 1000.0;
  return out.hotspot_before / out.hotspot_after;
}

struct Built {
  std::unique_ptr<LoopSession> session;
  Capture live;
  int attempt = 0;
  ParamValues params;
};

}  // namespace

const StreamView* ClassifyEvidence::stream(const std::string& name) const {
  for (const auto& s : streams)
    if (s.stream == name) return &s;
  return nullptr;
}

QuizCase::QuizCase(std::unique_ptr<ScenarioScript> script, std::unique_ptr<LoopSession> session, int bottleneck)
    : script_(std::move(script)), session_(std::move(session)), k_(bottleneck) {}

std::vector<std::string> QuizCase::fixes_before() const {
  return fixes_in_place(Answers{}, session_->build(), static_cast<std::size_t>(k_));
}

CardId draw_card_id(const QuizPool& pool, const QuizItem& item, std::uint32_t seed) {
  const auto sources = pool.sources_for(item.kind, item.family);
  if (sources.empty()) throw QuizError("no scenario in the catalogue makes " + item.name() + " cards");
  const QuizSource& s = *sources[mix64(seed ^ 0x51ed2701u) % sources.size()];
  CardId id;
  id.kind = item.kind;
  id.scenario_hash = quiz_scenario_hash(s.scenario_id);
  id.bottleneck = s.bottleneck;
  id.family = family_index(item.family);
  id.seed = seed;
  return id;
}

QuizCard make_quiz_card(const QuizPool& pool, const std::string& text) {
  const auto id = decode_card_id(text);
  if (!id) throw QuizError("card " + text.substr(0, 40) + ": not a card id (they look like q1c-9f3a7c21-5b0e33a91c2d)");
  return make_quiz_card(pool, *id);
}

QuizCard make_quiz_card(const QuizPool& pool, const CardId& id) {
  const QuizSource* source = pool.find(id);
  const std::string name = encode_card_id(id);
  if (!source) throw QuizError("card " + name + ": no scenario in the catalogue makes it (was one removed or changed?)");
  auto script = std::make_unique<ScenarioScript>(ScenarioScript::load(source->file));
  const auto k = static_cast<std::size_t>(id.bottleneck);

  // The first draw whose run shows the bottleneck: a variant where the moved
  // figures hide it (or break the run's budget) is no case to judge.
  Built built;
  std::string last_problem;
  for (int attempt = 0; attempt < kVariantAttempts && !built.session; ++attempt) {
    try {
      ParamValues params = quiz_variant(*script, id.seed, attempt);
      auto session = std::make_unique<LoopSession>(*script, params, quiz_run_seed(id.seed, attempt));
      const ScenarioBuild& build = session->build();
      if (k >= build.bottlenecks.size()) throw QuizError("the scenario has fewer bottlenecks now");
      const BottleneckSpec& b = build.bottlenecks[k];
      const double onset = b.symptom.onset_s, fix = session->fix_time_s(k);
      const Simulation& run = session->runs().run(fixes_in_place(Answers{}, build, k));
      Capture live = capture(run, capture_window_for(b.symptom.endpoint, onset, fix, onset));
      if (live.empty || live.requests == 0) throw QuizError("the live stretch holds no complete window");
      if (live.has_baseline && b.symptom.side == "server" &&
          !worse(b.symptom.metric, headline_value(live.summary, b.symptom.metric),
                 headline_value(live.baseline_summary, b.symptom.metric)))
        throw QuizError("the headline did not move in this variant");
      // A prediction asks whether a fix brings the headline back: it must be off target first.
      if (id.kind == QuizKind::Predict &&
          headline_meets(b.symptom.metric, headline_value(live.summary, b.symptom.metric), b.symptom.target))
        throw QuizError("the headline is within its target in this variant");
      built.session = std::move(session);
      built.live = std::move(live);
      built.attempt = attempt;
      built.params = std::move(params);
    } catch (const QuizError& e) {
      last_problem = e.what();
    } catch (const ScenarioError& e) {
      // The squeezed times do not fit (times written as numbers, not
      // parameters): the moved figures would not help, try the next kind of draw.
      last_problem = e.what();
      if (attempt < kVariantAttempts - 2) attempt = kVariantAttempts - 3;
    } catch (const RunBudgetError& e) {
      last_problem = e.what();
    }
  }
  if (!built.session) throw QuizError("card " + name + ": " + source->scenario_id + " makes no case: " + last_problem);

  QuizCard card;
  card.id = name;
  card.key = id;
  card.item = QuizItem{id.kind, kFamilies[id.family]}.name();
  card.scenario_id = source->scenario_id;
  card.variant_attempt = built.attempt;
  card.params = built.params;
  LoopSession& session = *built.session;
  const ScenarioBuild& build = session.build();
  const BottleneckSpec& b = build.bottlenecks[k];
  const std::vector<std::string> before = fixes_in_place(Answers{}, build, k);
  const double fix_s = session.fix_time_s(k);
  card.headline = headline_series(session.runs().run(before), b, fix_s);

  switch (id.kind) {
    case QuizKind::Classify: {
      ClassifyEvidence& c = card.classify;
      c.case_stream = b.stream == "alloc" || b.stream == "offcpu" ? b.stream : "cpu";
      c.capture = std::move(built.live);
      for (const char* stream : kFlameStreams) {
        const StreamReading reading = read_stream(c.capture, stream, "");
        c.streams.push_back({stream, reading.unit, reading.top});
      }
      c.trace = c.capture.slow_traces.empty() ? -1 : 0;
      for (const char* f : kFamilies) card.choices.push_back({f, family_label(f), "", "", "", 0.0});
      card.prompt = "Which bottleneck family is this? Pick one, or two if two are at work.";
      break;
    }
    case QuizKind::Predict: {
      PredictEvidence& p = card.predict;
      p.stream = b.stream;
      p.hot_spot = b.stream == "trace" && !b.hot_span.empty() ? b.hot_span : b.hot_frame;
      p.target = b.symptom.target;
      const StreamReading share = read_stream(built.live, p.stream, p.hot_spot);
      p.share_pct = std::isnan(share.share_pct) ? 0.0 : round_to(share.share_pct, 1);
      // A fix drawn from the playbook, half the time a right one and half a
      // plausible wrong one. A wrong fix may leave the hot spot as it was
      // (its benchmark says 1x: more cores, a cache elsewhere) and still
      // move the headline through the queue: that is the lesson, not noise.
      const std::uint64_t pick = mix64(std::uint64_t{id.seed} ^ 0xf1c5u);
      const bool right = b.wrong_fixes.empty() || (pick & 1) == 0;
      const std::vector<std::string>& list = right ? b.right_fixes : b.wrong_fixes;
      const std::string fix = list[(pick >> 1) % list.size()];
      std::vector<std::string> with = before;
      with.push_back(fix);
      const FixOutcome& out = session.outcome(with);
      p.fix_id = fix;
      if (const FixSpec* f = build.find_fix(fix)) p.fix_title = f->title;
      p.local_speedup = round_to(local_speedup(out), 1);
      p.current = round_to(out.headline_before, 1);
      // Each runs() reference holds until the next call: the fixed run's cores first.
      p.cores_after = session.runs().run(with).model_at(s_to_ns(fix_s)).service.cores;
      const Simulation& run = session.runs().run(before);
      p.cores = run.model_at(s_to_ns(fix_s) - 1).service.cores;
      const PhaseSummary range = summarise_range(run, session.slo(), s_to_ns(b.symptom.onset_s), s_to_ns(fix_s));
      p.cpu_utilisation = range.cpu_utilisation;
      double all_rps = 0;
      for (const auto& e : range.endpoints) all_rps += e.rps;
      p.rps = all_rps;
      // The hot spot's CPU against the whole service's, for the queueing estimate.
      double all_cpu = 0;
      for (std::size_t e = 0; e < built.live.profile.endpoints; ++e)
        all_cpu += frame_cost(built.live.symbols, built.live.profile, e, "").cpu_ns;
      double hot_cpu = 0;
      if (built.live.endpoint >= 0 && has_frame(built.live.symbols, p.hot_spot))
        hot_cpu = frame_cost(built.live.symbols, built.live.profile, static_cast<std::size_t>(built.live.endpoint), p.hot_spot).cpu_ns;
      p.service_cpu_share_pct = all_cpu > 0 ? round_to(100.0 * hot_cpu / all_cpu, 1) : 0.0;
      card.prompt = "What will " + b.symptom.endpoint + " " + b.symptom.metric + " be once this fix ships, and is that a go?";
      break;
    }
    case QuizKind::Enforce: {
      EnforceEvidence& e = card.enforce;
      e.what_happened = b.symptom.endpoint + " " + b.symptom.metric + " regressed: " + b.title;
      e.before = round_to(headline_value(built.live.baseline_summary, b.symptom.metric), 1);
      e.during = round_to(headline_value(built.live.summary, b.symptom.metric), 1);
      if (const FixSpec* f = build.find_fix(b.right_fixes.front())) e.fix_title = f->title;
      e.changes = build.enforce.future;
      for (const auto& g : build.enforce.gates) {
        char threshold[64];
        std::snprintf(threshold, sizeof threshold, "%g %s", g.threshold, g.unit.c_str());
        card.choices.push_back({g.id, g.title, g.kind == "runbook" ? g.description : g.description + " Suggested: " + threshold + ".",
                                g.kind, g.unit, g.threshold});
      }
      card.prompt = "Which gates, alerts and runbook entries would you put in place, and at what thresholds?";
      break;
    }
  }
  card.quiz_case = std::make_shared<QuizCase>(std::move(script), std::move(built.session), id.bottleneck);
  return card;
}

}  // namespace perfloop
