// Trace exports read back as their consumers read them: Chrome Trace Event
// JSON (what Perfetto needs: microsecond X events that nest on every thread,
// named processes and threads) and OTLP/JSON (the documented shapes: hex ids,
// parents in the same trace, decimal-string Unix nanoseconds, integer enums),
// both compared with the engine's own traces.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "interop_run.h"
#include "sim/interop/trace_export.h"
#include "sim/interop/trace_lanes.h"

using namespace perfloop;
using nlohmann::json;

namespace {

const Simulation& sim() { return test::interop_run().sim; }

// The export's window: five minutes of baseline and ten of the incident.
TraceExportRequest window_request() {
  TraceExportRequest request;
  request.from = s_to_ns(300);
  request.to = s_to_ns(1200);
  return request;
}

std::vector<const Trace*> traces_in(const TraceExportRequest& request) {
  std::vector<const Trace*> out;
  for (const auto& t : sim().traces())
    if ((request.endpoint < 0 || t.endpoint == request.endpoint) && t.start >= request.from && t.start < request.to)
      out.push_back(&t);
  return out;
}

std::int64_t rounded_us(std::int64_t unix_ns) { return (unix_ns + 500) / 1000; }

struct ChromeEvent {
  std::string name, category, trace_id;
  int pid = 0, tid = 0;
  std::int64_t ts = 0, dur = 0;
};

std::vector<ChromeEvent> complete_events(const json& doc) {
  std::vector<ChromeEvent> out;
  for (const auto& e : doc.at("traceEvents")) {
    if (e.at("ph") != "X") continue;
    REQUIRE(e.at("ts").is_number_integer());
    REQUIRE(e.at("dur").is_number_integer());
    REQUIRE(e.at("pid").is_number_integer());
    REQUIRE(e.at("tid").is_number_integer());
    out.push_back({e.at("name"), e.at("cat"), e.at("args").at("trace_id"), e.at("pid"), e.at("tid"), e.at("ts"),
                   e.at("dur")});
  }
  return out;
}

// On one thread, events must nest completely or not overlap: walk them in
// start order (outer first on ties) with a stack of open ends.
bool nests_on_every_thread(const std::vector<ChromeEvent>& events, std::string& problem) {
  std::map<std::pair<int, int>, std::vector<const ChromeEvent*>> threads;
  for (const auto& e : events) threads[{e.pid, e.tid}].push_back(&e);
  for (auto& [thread, list] : threads) {
    std::stable_sort(list.begin(), list.end(), [](const ChromeEvent* a, const ChromeEvent* b) {
      return a->ts != b->ts ? a->ts < b->ts : a->dur > b->dur;
    });
    std::vector<std::int64_t> open_ends;
    for (const ChromeEvent* e : list) {
      while (!open_ends.empty() && open_ends.back() <= e->ts) open_ends.pop_back();
      if (!open_ends.empty() && e->ts + e->dur > open_ends.back()) {
        problem = e->name + " on pid " + std::to_string(thread.first) + " tid " + std::to_string(thread.second) +
                  " ends after the event it starts in";
        return false;
      }
      open_ends.push_back(e->ts + e->dur);
    }
  }
  return true;
}

std::set<std::pair<int, int>> named(const json& doc, const char* what) {
  std::set<std::pair<int, int>> out;
  for (const auto& e : doc.at("traceEvents"))
    if (e.at("ph") == "M" && e.at("name") == what && !e.at("args").at("name").get<std::string>().empty())
      out.insert({e.at("pid").get<int>(), what == std::string("process_name") ? 0 : e.at("tid").get<int>()});
  return out;
}

// A request of /search whose two fetches run at once, and a span that
// outlives its parent: shapes the engine does not make today, built by hand.
TraceSet concurrent_fetches() {
  TraceSet set;
  set.seed = 7;
  set.service = "search-service";
  set.phases = {"baseline"};
  set.endpoints = {{"/search", {{"handle_search", -1}, {"fetch_a", 0}, {"fetch_b", 0}, {"merge", 0}, {"late", 1}}}};
  Trace t;
  t.trace_id = 0x1234;
  t.start = s_to_ns(1);
  t.duration = ms_to_ns(100);
  t.queued = ms_to_ns(5);
  t.spans = {{0, -1, ms_to_ns(5), ms_to_ns(95)},   // handle_search  5..100 ms
             {1, 0, ms_to_ns(10), ms_to_ns(50)},   // fetch_a       10..60
             {2, 0, ms_to_ns(20), ms_to_ns(60)},   // fetch_b       20..80, beside fetch_a
             {4, 1, ms_to_ns(55), ms_to_ns(15)},   // late          55..70, past fetch_a's end
             {3, 0, ms_to_ns(80), ms_to_ns(15)}};  // merge         80..95
  set.traces = {t};
  set.client_spans = {(1u << 1) | (1u << 2)};
  return set;
}

}  // namespace

TEST_CASE("chrome: valid JSON whose X events are the engine's traces to the microsecond", "[interop-traces]") {
  const TraceExportRequest request = window_request();
  const json doc = json::parse(chrome_trace_json(sim(), request));
  CHECK(doc.at("displayTimeUnit") == "ms");
  const auto events = complete_events(doc);
  const auto expected = traces_in(request);
  REQUIRE(expected.size() > 100);

  std::map<std::string, std::vector<const ChromeEvent*>> by_trace;
  for (const auto& e : events) by_trace[e.trace_id].push_back(&e);
  std::size_t roots = 0;
  for (const auto& e : events) roots += e.category == "request";
  INFO("traces in the window " << expected.size());
  CHECK(roots == expected.size());
  CHECK(by_trace.size() == expected.size());

  const ExportClock clock = request.clock;
  const auto& infos = sim().symbols().endpoints();
  std::size_t spans_checked = 0;
  for (const Trace* t : expected) {
    const auto& list = by_trace[hex_id(t->trace_id)];
    REQUIRE(list.size() == 1 + (t->queued > 0 ? 1 : 0) + t->spans.size());
    auto find = [&](const std::string& name) -> const ChromeEvent* {
      for (const ChromeEvent* e : list)
        if (e->name == name) return e;
      return nullptr;
    };
    auto expect_at = [&](const ChromeEvent* e, SimTime start, SimTime duration) {
      REQUIRE(e != nullptr);
      CHECK(e->ts == rounded_us(clock.unix_ns(start)));
      CHECK(e->dur == rounded_us(clock.unix_ns(start + duration)) - rounded_us(clock.unix_ns(start)));
      CHECK(e->pid == t->endpoint + 1);
    };
    const auto& endpoint = infos[static_cast<std::size_t>(t->endpoint)];
    expect_at(find(endpoint.name), t->start, t->duration);
    if (t->queued > 0) expect_at(find("queued"), t->start, t->queued);
    for (const auto& s : t->spans) {
      expect_at(find(endpoint.spans[static_cast<std::size_t>(s.span)].name), t->start + s.start_offset, s.duration);
      ++spans_checked;
    }
  }
  INFO("spans checked " << spans_checked);
  CHECK(spans_checked > expected.size());
  // The whole window's ts lies in the epoch's first hour: microseconds since
  // 1970 with simulated 0 at 2026-01-01T00:00:00Z.
  for (const auto& e : events) {
    CHECK(e.ts >= 1767225600LL * 1'000'000 + 300LL * 1'000'000);
    CHECK(e.ts < 1767225600LL * 1'000'000 + 1800LL * 1'000'000);
  }
}

TEST_CASE("chrome: every thread's events nest, and every process and thread is named", "[interop-traces]") {
  const TraceExportRequest request = window_request();
  const json doc = json::parse(chrome_trace_json(sim(), request));
  const auto events = complete_events(doc);
  std::string problem;
  CHECK(nests_on_every_thread(events, problem));
  INFO(problem);

  const auto processes = named(doc, "process_name");
  const auto threads = named(doc, "thread_name");
  std::set<std::pair<int, int>> used_threads;
  for (const auto& e : events) {
    CHECK(processes.count({e.pid, 0}) == 1);
    used_threads.insert({e.pid, e.tid});
  }
  for (const auto& thread : used_threads) CHECK(threads.count(thread) == 1);
  // The engine's spans run one after another inside their parents, so each
  // request of the real run needs one thread only.
  INFO("threads " << used_threads.size() << " for " << traces_in(request).size() << " requests");
  CHECK(used_threads.size() == traces_in(request).size());
  // The process of /checkout carries the service's name.
  bool checkout_named = false;
  for (const auto& e : doc.at("traceEvents"))
    if (e.at("ph") == "M" && e.at("name") == "process_name" && e.at("args").at("name") == "checkout-service /checkout")
      checkout_named = true;
  CHECK(checkout_named);
}

TEST_CASE("chrome: the endpoint filter keeps one process; the same run exports the same bytes", "[interop-traces]") {
  TraceExportRequest request = window_request();
  request.endpoint = sim().symbols().find_endpoint("/checkout");
  REQUIRE(request.endpoint >= 0);
  const std::string text = chrome_trace_json(sim(), request);
  const auto events = complete_events(json::parse(text));
  std::size_t roots = 0;
  for (const auto& e : events) {
    CHECK(e.pid == request.endpoint + 1);
    roots += e.category == "request";
  }
  CHECK(roots == traces_in(request).size());
  CHECK(text == chrome_trace_json(sim(), request));
}

TEST_CASE("chrome: spans that overlap on one request go to further lanes", "[interop-traces]") {
  const TraceSet set = concurrent_fetches();
  const json doc = json::parse(chrome_trace_json(set, ExportClock{}));
  const auto events = complete_events(doc);
  REQUIRE(events.size() == 7);  // request, queued, 5 spans
  std::string problem;
  CHECK(nests_on_every_thread(events, problem));
  INFO(problem);
  std::map<std::string, int> tid;
  for (const auto& e : events) tid[e.name] = e.tid;
  CHECK(tid["/search"] == tid["handle_search"]);
  CHECK(tid["fetch_a"] == tid["handle_search"]);
  CHECK(tid["merge"] == tid["handle_search"]);
  CHECK(tid["fetch_b"] != tid["fetch_a"]);  // it straddles fetch_a's end
  CHECK(tid["late"] != tid["fetch_a"]);     // it straddles fetch_a's end too
  std::set<std::string> thread_names;
  for (const auto& e : doc.at("traceEvents"))
    if (e.at("name") == "thread_name") thread_names.insert(e.at("args").at("name").get<std::string>());
  CHECK(thread_names == std::set<std::string>{"request 0000000000001234", "request 0000000000001234 (2)"});
  for (const auto& thread : std::set<std::pair<int, int>>{{1, tid["fetch_a"]}, {1, tid["fetch_b"]}})
    CHECK(named(doc, "thread_name").count(thread) == 1);
}

TEST_CASE("lanes: nested events share lane 0; any overlap that does not nest is split", "[interop-traces]") {
  CHECK(assign_lanes({{0, 100}, {0, 100}, {10, 50}, {50, 90}, {60, 70}, {90, 90}}) ==
        std::vector<int>{0, 0, 0, 0, 0, 0});
  CHECK(assign_lanes({{0, 100}, {10, 60}, {20, 80}, {30, 90}}) == std::vector<int>{0, 0, 1, 2});
  // Random intervals: on every lane, any two nest or are apart.
  RngStream rng(3, "lanes");
  for (std::uint64_t round = 0; round < 200; ++round) {
    std::vector<LaneEvent> events;
    for (std::uint64_t i = 0; i < 12; ++i) {
      const auto start = static_cast<std::int64_t>(rng.uniform(round * 100 + i, 0) * 100);
      const auto length = static_cast<std::int64_t>(rng.uniform(round * 100 + i, 1) * 60);
      events.push_back({start, start + length});
    }
    const auto lanes = assign_lanes(events);
    for (std::size_t a = 0; a < events.size(); ++a)
      for (std::size_t b = a + 1; b < events.size(); ++b) {
        if (lanes[a] != lanes[b]) continue;
        const auto& x = events[a];
        const auto& y = events[b];
        const bool apart = x.end <= y.start || y.end <= x.start;
        const bool nested = (x.start <= y.start && y.end <= x.end) || (y.start <= x.start && x.end <= y.end);
        CHECK((apart || nested));
      }
  }
}

TEST_CASE("otlp: documented shapes, ids, parents and times from the epoch", "[interop-traces]") {
  const TraceExportRequest request = window_request();
  const json doc = json::parse(otlp_trace_json(sim(), request));
  REQUIRE(doc.at("resourceSpans").size() == 1);
  const json& resource_spans = doc.at("resourceSpans")[0];
  std::map<std::string, std::string> resource;
  for (const auto& a : resource_spans.at("resource").at("attributes"))
    resource[a.at("key")] = a.at("value").at("stringValue");
  CHECK(resource["service.name"] == "checkout-service");
  CHECK(resource["perfloop.seed"] == "1");
  const json& scope_spans = resource_spans.at("scopeSpans")[0];
  CHECK(scope_spans.at("scope").at("name") == "perfloop");
  CHECK(scope_spans.at("scope").at("version").is_string());

  const std::regex trace_id_shape("[0-9a-f]{32}"), span_id_shape("[0-9a-f]{16}"), decimal("[0-9]+");
  struct Span {
    std::string trace, id, parent, name;
    int kind = 0;
    std::int64_t start = 0, end = 0;
  };
  std::vector<Span> spans;
  for (const auto& s : scope_spans.at("spans")) {
    Span span;
    span.trace = s.at("traceId");
    span.id = s.at("spanId");
    span.parent = s.value("parentSpanId", "");
    span.name = s.at("name");
    REQUIRE(s.at("kind").is_number_integer());
    span.kind = s.at("kind");
    REQUIRE(s.at("startTimeUnixNano").is_string());
    REQUIRE(s.at("endTimeUnixNano").is_string());
    CHECK(std::regex_match(s.at("startTimeUnixNano").get<std::string>(), decimal));
    span.start = std::stoll(s.at("startTimeUnixNano").get<std::string>());
    span.end = std::stoll(s.at("endTimeUnixNano").get<std::string>());
    CHECK(s.at("status").at("code").is_number_integer());
    CHECK(std::regex_match(span.trace, trace_id_shape));
    CHECK(std::regex_match(span.id, span_id_shape));
    if (!span.parent.empty()) CHECK(std::regex_match(span.parent, span_id_shape));
    spans.push_back(span);
  }

  std::set<std::string> ids;
  std::map<std::string, std::map<std::string, const Span*>> by_trace;
  for (const auto& s : spans) {
    CHECK(ids.insert(s.id).second);
    by_trace[s.trace][s.id] = &s;
  }
  const auto expected = traces_in(request);
  CHECK(by_trace.size() == expected.size());

  const auto& infos = sim().symbols().endpoints();
  const std::int64_t epoch_ns = request.clock.epoch_unix_s * 1'000'000'000;
  std::size_t client_spans = 0;
  for (const Trace* t : expected) {
    const OtlpTraceId id = otlp_trace_id(sim().seed(), t->trace_id);
    const std::string trace = hex_id(id.high) + hex_id(id.low);
    CHECK(trace.substr(16) == hex_id(t->trace_id));
    REQUIRE(by_trace.count(trace) == 1);
    const auto& members = by_trace[trace];
    CHECK(members.size() == 1 + (t->queued > 0 ? 1 : 0) + t->spans.size());
    int roots = 0;
    std::map<std::string, const Span*> by_name;
    for (const auto& [span_id, s] : members) {
      by_name[s->name] = s;
      if (s->parent.empty()) {
        ++roots;
        CHECK(s->kind == 2);
        CHECK(s->start == epoch_ns + t->start);
        CHECK(s->end == epoch_ns + t->start + t->duration);
        continue;
      }
      REQUIRE(members.count(s->parent) == 1);
      const Span* parent = members.at(s->parent);
      CHECK(s->start >= parent->start);
      CHECK(s->end <= parent->end);
      CHECK((s->kind == 1 || s->kind == 3));
      client_spans += s->kind == 3;
    }
    CHECK(roots == 1);
    // The engine's spans nest, so nothing was clamped: every time is the epoch plus simulated time, exactly.
    const auto& endpoint = infos[static_cast<std::size_t>(t->endpoint)];
    for (const auto& span : t->spans) {
      const Span* s = by_name[endpoint.spans[static_cast<std::size_t>(span.span)].name];
      REQUIRE(s != nullptr);
      CHECK(s->start == epoch_ns + t->start + span.start_offset);
      CHECK(s->end == epoch_ns + t->start + span.start_offset + span.duration);
      const bool calls_out = endpoint.spans[static_cast<std::size_t>(span.span)].name == "inventory_check" ||
                             endpoint.spans[static_cast<std::size_t>(span.span)].name == "payment_call";
      CHECK(s->kind == (calls_out ? 3 : 1));
    }
  }
  INFO("client spans " << client_spans);
  CHECK(client_spans > 0);
}

TEST_CASE("otlp: a child that outlives its parent is clamped into it; ids depend on the seed", "[interop-traces]") {
  const TraceSet set = concurrent_fetches();
  const json doc = json::parse(otlp_trace_json(set, ExportClock{}));
  std::map<std::string, json> by_name;
  for (const auto& s : doc.at("resourceSpans")[0].at("scopeSpans")[0].at("spans")) by_name[s.at("name")] = s;
  REQUIRE(by_name.size() == 7);
  auto time = [&](const char* name, const char* field) { return std::stoll(by_name[name].at(field).get<std::string>()); };
  CHECK(by_name["late"].at("parentSpanId") == by_name["fetch_a"].at("spanId"));
  CHECK(time("late", "startTimeUnixNano") == 1767225600LL * 1'000'000'000 + s_to_ns(1) + ms_to_ns(55));
  CHECK(time("late", "endTimeUnixNano") == time("fetch_a", "endTimeUnixNano"));
  CHECK(by_name["fetch_b"].at("kind") == 3);
  CHECK(by_name["merge"].at("kind") == 1);
  CHECK(by_name["/search"].at("kind") == 2);
  CHECK_FALSE(by_name["/search"].contains("parentSpanId"));
  CHECK(by_name["queued"].at("parentSpanId") == by_name["/search"].at("spanId"));
  CHECK(by_name["handle_search"].at("parentSpanId") == by_name["/search"].at("spanId"));

  const OtlpTraceId one = otlp_trace_id(1, 0x1234), two = otlp_trace_id(2, 0x1234);
  CHECK(one.high != two.high);
  CHECK(one.low == two.low);
  std::set<std::uint64_t> span_ids;
  for (int slot = 0; slot < 2 + kMaxSpansPerEndpoint; ++slot) span_ids.insert(otlp_span_id(one, slot));
  CHECK(span_ids.size() == 2 + kMaxSpansPerEndpoint);
}
