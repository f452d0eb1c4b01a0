// [SECTION] Fixtures
// [SECTION] The service model: params, steps, spans, errors by field
// [SECTION] Catalogue card, bottlenecks and enforce
// [SECTION] Client bundles and their modules
// [SECTION] Game day injects
//
// The scenario loader turns a script's result into a ModelSpec and refuses a
// broken one with the path of the field at fault.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "sim/scenarios/scenario_loader.h"
#include "test_support.h"

using namespace perfloop;

namespace {

std::string loader_fixture(const std::string& name) {
  return (std::filesystem::path(__FILE__).parent_path() / "scenarios" / name).string();
}

std::string write_loader_temp(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / ("perfloop_loader_tests_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

// ============================================================================
// [SECTION] Fixtures
// ============================================================================

// A valid scenario with two holes: STEP goes inside the root span, EXTRA
// among the top-level fields of build's result.
const std::string kTemplate = R"lua(return {
  id = "inline",
  title = "inline test scenario",
  params = { rps = { default = 10, min = 1, max = 100 } },
  build = function(p)
    return {
      duration_s = 600,
      service = { name = "svc" },
      load = { rps = p.rps },
      endpoints = {
        { name = "/checkout",
          root = span { name = "handle_request",
            STEP
          } },
      },
      EXTRA
    }
  end,
}
)lua";
constexpr int kStepLine = 13;

std::string scenario_with(const std::string& step, const std::string& extra = "") {
  std::string text = kTemplate;
  text.replace(text.find("STEP"), 4, step);
  text.replace(text.find("EXTRA"), 5, extra);
  return text;
}

// Builds the scenario with defaults; it must fail. Returns the error.
ScenarioError build_error(const std::string& name, const std::string& text) {
  ScenarioScript script = ScenarioScript::load(write_loader_temp(name, text));
  try {
    script.build(script.resolve({}));
  } catch (const ScenarioError& e) {
    return e;
  }
  FAIL("built without error: " << name);
  return ScenarioError("", 0, "", "");
}

const SpanSpec& child_named(const SpanSpec& span, const std::string& name) {
  for (const auto& child : span.children)
    if (child.name == name) return child;
  FAIL("no child span " << name);
  return span;
}

}  // namespace

// ============================================================================
// [SECTION] The service model: params, steps, spans, errors by field
// ============================================================================

TEST_CASE("ScenarioError formats file, line and field", "[loader]") {
  CHECK(std::string(ScenarioError("a.lua", 3, "x.y", "bad").what()) == "a.lua:3: x.y: bad");
  CHECK(std::string(ScenarioError("a.lua", 0, "x.y", "bad").what()) == "a.lua: x.y: bad");
  CHECK(std::string(ScenarioError("a.lua", 7, "", "bad").what()) == "a.lua:7: bad");
  CHECK(std::string(ScenarioError("a.lua", 0, "", "bad").what()) == "a.lua: bad");
}

TEST_CASE("a valid scenario loads with its params", "[loader]") {
  const ScenarioScript script = ScenarioScript::load(loader_fixture("loader_minimal.lua"));
  CHECK(script.id() == "loader-minimal");
  CHECK(script.title() == "Loader test: minimal checkout");
  REQUIRE(script.params().size() == 3);
  const ParamSpec& rps = script.params()[2];  // sorted by name
  CHECK(rps.name == "rps");
  CHECK(rps.default_value == 400.0);
  CHECK(rps.min == 1.0);
  CHECK(rps.max == 100000.0);
  CHECK(rps.unit == "req/s");
  CHECK(script.params()[1].name == "payload_kb");
  CHECK(script.params()[1].description.empty());
}

TEST_CASE("a valid scenario builds into the expected model", "[loader]") {
  ScenarioScript script = ScenarioScript::load(loader_fixture("loader_minimal.lua"));
  const ScenarioBuild build = script.build(script.resolve({}));
  CHECK(build.duration_s == 7200.0);
  CHECK(build.fix_at_s == 5400.0);
  CHECK(build.first_phase == "baseline");

  const ModelSpec& model = build.model;
  CHECK(model.profile_hz == 99.0);
  CHECK(model.trace_sample_rate == 0.001);
  CHECK(model.service.name == "checkout-service");
  CHECK(model.service.cores == 8);
  CHECK(model.service.workers == 256);
  CHECK(model.service.queue_limit == 10000);
  CHECK(model.service.gc.live_heap_mb == 64.0);
  CHECK(model.service.gc.malloc_ns_per_kb == 200.0);
  CHECK(model.load.rps == 400.0);
  REQUIRE(model.load.curve.size() == 2);
  CHECK(model.load.curve[1].t_s == 3600.0);
  CHECK(model.load.curve[1].factor == 1.2);
  CHECK(model.slo.endpoint == "/checkout");
  REQUIRE(model.slo.alerts.size() == 1);
  CHECK(model.slo.alerts[0].long_window_s == 1800.0);

  REQUIRE(model.endpoints.size() == 2);
  const EndpointSpec& checkout = model.endpoints[0];
  CHECK(checkout.name == "/checkout");
  CHECK(checkout.share == 0.4);
  CHECK(checkout.timeout_ms == 5000.0);
  CHECK_FALSE(checkout.client.enabled);

  const SpanSpec& root = checkout.root;
  CHECK(root.name == "handle_request");
  CHECK(root.frame == "handlers.Checkout");
  REQUIRE(root.steps.size() == 5);
  CHECK(root.steps[0].kind == Step::Kind::Cpu);
  CHECK(root.steps[0].ms == 1.0);
  CHECK(root.steps[0].alloc_kb == 4.0);
  CHECK(root.steps[0].dist.kind == Distribution::Kind::LogNormal);
  CHECK(root.steps[0].dist.cv == 0.5);
  REQUIRE(root.children.size() == 4);
  for (int i = 1; i < 5; ++i) {
    CHECK(root.steps[i].kind == Step::Kind::Span);
    CHECK(root.steps[i].child == i - 1);
  }
  CHECK(root.children[0].name == "auth_check");
  CHECK(root.children[0].steps[0].kind == Step::Kind::Wait);
  CHECK(root.children[0].steps[0].frame == "redis.(*Client).Get");

  const Step& query = child_named(root, "order_query").steps.at(0);
  CHECK(query.kind == Step::Kind::Queries);
  CHECK(query.count == 4.0);
  CHECK(query.batch == 1.0);
  CHECK(query.rtt_ms == 1.0);
  CHECK(query.ms == 1.2);

  const Step& fetch = child_named(root, "inventory_check").steps.at(0);
  CHECK(fetch.kind == Step::Kind::Downstream);
  CHECK(fetch.service == "inventory-service");
  CHECK(fetch.frame == "encoding/json.Unmarshal");
  CHECK(fetch.payload_kb == 8.0);
  CHECK(fetch.remote_ms == 50.0);
  CHECK(fetch.dist.cv == 0.3);

  const SpanSpec& write = child_named(root, "write");
  REQUIRE(write.steps.size() == 2);
  CHECK(write.steps[0].kind == Step::Kind::Lock);
  CHECK(write.steps[0].lock == "cache.mu");
  CHECK(write.steps[1].kind == Step::Kind::Syscalls);
  CHECK(write.steps[1].batch == 4.0);
  CHECK(write.steps[1].count == 200.0);

  CHECK(model.endpoints[1].root.steps.at(0).dist.kind == Distribution::Kind::Exponential);

  REQUIRE(build.timeline.size() == 2);  // sorted by at_s, not as written
  CHECK(build.timeline[0].at_s == 1800.0);
  CHECK(build.timeline[0].kind == "deploy");
  CHECK(build.timeline[0].set.at("payload_kb") == 85.0);
  CHECK(build.timeline[1].phase == "recovery");

  REQUIRE(build.fixes.size() == 1);
  CHECK(build.fixes[0].id == "rollback");
  CHECK(build.fixes[0].phase == "after_fix");
  CHECK(build.fixes[0].set.at("payload_kb") == 8.0);
}

TEST_CASE("param overrides reach build(p)", "[loader]") {
  ScenarioScript script = ScenarioScript::load(loader_fixture("loader_minimal.lua"));
  const ParamValues values = script.resolve({{"rps", 1000.0}, {"payload_kb", 64.0}});
  CHECK(values.at("rps") == 1000.0);
  CHECK(values.at("incident_payload_kb") == 85.0);  // untouched default
  const ScenarioBuild build = script.build(values);
  CHECK(build.model.load.rps == 1000.0);
  CHECK(child_named(build.model.endpoints[0].root, "inventory_check").steps[0].payload_kb == 64.0);
}

TEST_CASE("unknown and out-of-range params are refused", "[loader]") {
  ScenarioScript script = ScenarioScript::load(loader_fixture("loader_minimal.lua"));
  try {
    script.resolve({{"rpss", 5.0}});
    FAIL("unknown param accepted");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()).find("unknown param \"rpss\"") != std::string::npos);
    CHECK(std::string(e.what()).find("known params: incident_payload_kb, payload_kb, rps") != std::string::npos);
  }
  try {
    script.resolve({{"rps", 0.0}});
    FAIL("out-of-range param accepted");
  } catch (const ScenarioError& e) {
    CHECK(e.field() == "params.rps");
    CHECK(e.message() == "must be in [1, 100000], got 0");
  }
  CHECK_THROWS_AS(script.build({{"rps", 1e9}}), ScenarioError);
}

TEST_CASE("reading an undeclared param inside build is an error", "[loader]") {
  const ScenarioError e = build_error("undeclared_param.lua", scenario_with("cpu { frame = 'f', ms = p.latency }"));
  CHECK(std::string(e.what()).find(":13: unknown param 'latency'") != std::string::npos);
}

TEST_CASE("a script error keeps Lua's traceback for the error panel", "[loader]") {
  const ScenarioError e = build_error("traceback.lua", scenario_with("cpu { frame = 'f', ms = p.latency }"));
  CHECK(e.line() == kStepLine);
  CHECK(e.traceback().find("stack traceback:") != std::string::npos);
  CHECK(e.traceback().find("traceback.lua:13") != std::string::npos);
  CHECK(std::string(e.what()).find('\n') == std::string::npos);  // what() stays one line
}

TEST_CASE("broken build results name the field at fault", "[loader]") {
  SECTION("negative latency") {
    const ScenarioError e = build_error("negative.lua", scenario_with("cpu { frame = 'f', ms = -5 },"));
    CHECK(e.field() == "endpoints[\"/checkout\"].root.steps[1].ms");
    CHECK(e.message() == "must be in [0, 1000000], got -5");
    CHECK(e.line() == kStepLine);
  }
  SECTION("negative payload in a nested span") {
    const ScenarioError e = build_error(
        "payload.lua",
        scenario_with("span { name = 'inventory_check',\n"
                      "  downstream { service = 'inv', rtt_ms = 1, payload_kb = -8 } }"));
    CHECK(std::string(e.what()).find("endpoints[\"/checkout\"].root.inventory_check.steps[1].payload_kb: must be in "
                                     "[0, 1000000], got -8") != std::string::npos);
  }
  SECTION("NaN") {
    const ScenarioError e = build_error("nan.lua", scenario_with("wait { frame = 'f', ms = 0/0 }"));
    CHECK(e.field() == "endpoints[\"/checkout\"].root.steps[1].ms");
    CHECK(e.message() == "must be a finite number, got nan");
  }
  SECTION("missing required field") {
    const ScenarioError e = build_error("missing.lua", scenario_with("cpu { frame = 'f' }, wait { ms = 3 }"));
    CHECK(std::string(e.what()).find("endpoints[\"/checkout\"].root.steps[1].ms: is required") != std::string::npos);
  }
  SECTION("unknown span field") {
    const ScenarioError e = build_error("unknown_field.lua", scenario_with("span { name = 'auth', colour = 'red' }"));
    CHECK(e.field() == "endpoints[\"/checkout\"].root.auth.colour");
    CHECK(e.message().find("unknown field") == 0);
  }
  SECTION("unknown set param") {
    const ScenarioError e =
        build_error("unknown_set.lua", scenario_with("", "timeline = { { at_s = 60, set = { rsp = 5 } } },"));
    CHECK(e.field() == "timeline[1].set.rsp");
    CHECK(e.message().find("unknown param \"rsp\" (declared params: rps)") == 0);
  }
  SECTION("set value out of the param's range") {
    const ScenarioError e =
        build_error("set_range.lua", scenario_with("", "fixes = { more = { title = 't', set = { rps = 500 } } },"));
    CHECK(e.field() == "fixes.more.set.rps");
  }
  SECTION("plain table where a step belongs") {
    const ScenarioError e = build_error("plain_step.lua", scenario_with("{ frame = 'f', ms = 1 }"));
    CHECK(e.field() == "endpoints[\"/checkout\"].root.steps[1]");
    CHECK(e.message().find("must be a step made with cpu{...}") == 0);
  }
  SECTION("duplicate span names") {
    const ScenarioError e = build_error("dup_span.lua", scenario_with("span { name = 'handle_request' }"));
    CHECK(e.field() == "endpoints[\"/checkout\"].root.handle_request.name");
  }
  SECTION("cv without lognormal") {
    const ScenarioError e = build_error("cv.lua", scenario_with("cpu { frame = 'f', ms = 1, cv = 0.5 }"));
    CHECK(e.field() == "endpoints[\"/checkout\"].root.steps[1].cv");
  }
  SECTION("SLO on an unknown endpoint") {
    const ScenarioError e = build_error("slo.lua", scenario_with("", "slo = { endpoint = '/chekout' },"));
    CHECK(e.field() == "slo.endpoint");
    CHECK(e.message() == "no endpoint named \"/chekout\" (endpoints: /checkout)");
  }
  SECTION("unknown top-level field") {
    const ScenarioError e = build_error("top.lua", scenario_with("", "durration_s = 5,"));
    CHECK(e.field() == "durration_s");
  }
  SECTION("a Lua runtime error in build carries file and line") {
    const ScenarioError e = build_error("runtime.lua", scenario_with("cpu { frame = 'f', ms = p.rps .. {} }"));
    CHECK(e.line() == kStepLine);
    CHECK(e.message().find("attempt to concatenate") != std::string::npos);
  }
}

TEST_CASE("broken script headers are refused", "[loader]") {
  auto load_error = [](const std::string& name, const std::string& text) {
    try {
      ScenarioScript::load(write_loader_temp(name, text));
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    FAIL("loaded without error: " << name);
    return std::string();
  };
  CHECK(load_error("no_table.lua", "return 5").find("the script must return a table, got number") != std::string::npos);
  CHECK(load_error("bad_id.lua", "return { id = 'Checkout', title = 't', build = function() end }")
            .find("id: must match [a-z0-9-]+") != std::string::npos);
  CHECK(load_error("no_build.lua", "return { id = 'x', title = 't' }").find("build: is required") != std::string::npos);
  CHECK(load_error("bad_default.lua",
                   "return { id = 'x', title = 't', build = function() end,\n"
                   "  params = { rps = { default = 50, min = 1, max = 10 } } }")
            .find("params.rps.default: must be in [1, 10], got 50") != std::string::npos);
}

TEST_CASE("builds are deterministic, math.random included", "[loader]") {
  const std::string path =
      write_loader_temp("random.lua", scenario_with("cpu { frame = 'f', ms = math.random() * 10 + p.rps }"));
  ScenarioScript script = ScenarioScript::load(path);
  const double first = script.build({}).model.endpoints[0].root.steps[0].ms;
  const double second = script.build({}).model.endpoints[0].root.steps[0].ms;
  ScenarioScript reloaded = ScenarioScript::load(path);
  CHECK(first == second);
  CHECK(first == reloaded.build({}).model.endpoints[0].root.steps[0].ms);
  CHECK(first > 10.0);
  CHECK(first < 20.0);
}

// ============================================================================
// [SECTION] Catalogue card, bottlenecks and enforce
// ============================================================================

TEST_CASE("the catalogue card is read from the script header", "[loader]") {
  const ScenarioScript script = ScenarioScript::load(loader_fixture("loader_full.lua"));
  const ScenarioMeta& meta = script.meta();
  CHECK(meta.level == "senior");
  CHECK(meta.families == std::vector<std::string>{"bundle-bound", "allocation-bound"});
  CHECK(meta.minutes == 45.0);
  REQUIRE(meta.goals.size() == 2);
  CHECK(meta.goals[1] == "Tell a server regression from a client one.");

  const ScenarioScript bare = ScenarioScript::load(loader_fixture("loader_minimal.lua"));  // no card at all
  CHECK(bare.meta().level.empty());
  CHECK(bare.meta().families.empty());
  CHECK(bare.meta().minutes == 0.0);
}

TEST_CASE("bottlenecks, gates and future changes are read from build's result", "[loader]") {
  ScenarioScript script = ScenarioScript::load(loader_fixture("loader_full.lua"));
  const ScenarioBuild build = script.build(script.resolve({}));
  CHECK(build.fix_spacing_s == 600.0);
  REQUIRE(build.fixes.size() == 4);
  CHECK(build.fixes[0].id == "add-cores");
  CHECK(build.fixes[0].text == "More room for the same waste: p99 improves, allocation does not.");

  REQUIRE(build.bottlenecks.size() == 2);  // in the order written
  const BottleneckSpec& payload = build.bottlenecks[0];
  CHECK(payload.id == "inventory-payload");
  CHECK(payload.title == "The inventory payload grew tenfold");
  CHECK(payload.symptom.endpoint == "/checkout");
  CHECK(payload.symptom.metric == "p99");
  CHECK(payload.symptom.onset_s == 1800.0);
  CHECK(payload.symptom.side == "server");  // the default
  CHECK(payload.stream == "alloc");
  CHECK(payload.hot_frame == "runtime.mallocgc");
  CHECK(payload.hot_span == "inventory_check");
  CHECK(payload.families == std::vector<std::string>{"allocation-bound"});
  CHECK(payload.root_cause.find("full SKU objects") != std::string::npos);
  CHECK(payload.right_fixes == std::vector<std::string>{"trim-payload"});
  CHECK(payload.wrong_fixes == std::vector<std::string>{"add-cores", "raise-gogc"});
  REQUIRE(payload.hints.size() == 3);
  CHECK(payload.hints.at("move_on") == "Allocation is back to baseline; what is left?");
  CHECK(payload.debrief == "A contract on the payload would have caught it at the deploy.");

  const BottleneckSpec& bundle = build.bottlenecks[1];
  CHECK(bundle.id == "checkout-bundle");
  CHECK(bundle.symptom.metric == "lcp");
  CHECK(bundle.symptom.side == "client");
  CHECK(bundle.stream == "bundle");
  CHECK(bundle.hot_span.empty());
  CHECK(bundle.hints.empty());

  const auto& gates = build.enforce.gates;
  REQUIRE(gates.size() == 3);
  CHECK(gates[0].id == "bundle-budget");
  CHECK(gates[0].kind == "bundle-budget");
  CHECK(gates[0].endpoint == "/checkout");
  CHECK(gates[0].threshold == 350.0);
  CHECK(gates[0].unit == "KB");
  CHECK(gates[1].title == "Inventory payload contract");
  CHECK(gates[1].description.find("/inventory response") != std::string::npos);
  CHECK(gates[2].kind == "runbook");
  CHECK(gates[2].endpoint.empty());
  CHECK(gates[2].threshold == 0.0);

  const auto& future = build.enforce.future;
  REQUIRE(future.size() == 3);  // sorted by day, not as written
  CHECK(future[0].day == 7.0);
  CHECK(future[0].text == "+ \"restock_eta\"");
  CHECK_FALSE(future[0].harmful);
  CHECK(future[0].set.at("payload_kb") == 9.0);
  CHECK(future[1].day == 30.0);
  CHECK(future[1].harmful);
  CHECK(future[2].day == 90.0);
  CHECK(future[2].set.at("bundle_kb") == 900.0);
}

TEST_CASE("hot spots are checked against the shipped model, not a param override", "[loader]") {
  ScenarioScript script = ScenarioScript::load(loader_fixture("loader_full.lua"));
  // The cached build has no inventory_check span; the bottleneck still names it.
  const ScenarioBuild cached = script.build(script.resolve({{"inventory_cached", 1.0}}));
  CHECK(child_named(cached.model.endpoints[0].root, "serialise_response").name == "serialise_response");
  CHECK(cached.model.endpoints[0].root.children.size() == 1);
  CHECK(cached.bottlenecks.at(0).hot_span == "inventory_check");
}

namespace {

// A valid scenario with one bottleneck, varied by replace_once() into each broken one.
const std::string kBottleneckScenario = R"lua(return {
  id = "inline-bottleneck",
  title = "inline bottleneck scenario",
  level = "middle", families = { "allocation-bound" },
  params = { payload_kb = { default = 8, min = 1, max = 100 } },
  build = function(p)
    return {
      duration_s = 600,
      service = { name = "svc", root_frame = "main" },
      load = { rps = 10 },
      endpoints = {
        { name = "/checkout", client = { bundle_kb = 300 },
          root = span { name = "handle_request", frame = "handlers.Checkout",
            cpu { frame = p.payload_kb > 50 and "cache.Get" or "handlers.Checkout", ms = 1 },
            span { name = "inventory_check",
              downstream { service = "inv", rtt_ms = 1, payload_kb = p.payload_kb, decode_alloc_per_kb = 6 } },
          } },
      },
      fixes = {
        trim = { title = "Ask for SKU ids only", set = { payload_kb = 8 } },
        cores = { title = "Add cores" },
        gogc = { title = "Raise GOGC" },
      },
      bottlenecks = {
        { id = "payload", title = "Inventory payload",
          symptom = { endpoint = "/checkout", metric = "p99", onset_s = 60, target = 300 },
          stream = "alloc", hot_frame = "encoding/json.Unmarshal", hot_span = "inventory_check",
          families = { "allocation-bound" }, root_cause = "The payload grew.",
          right_fixes = { "trim" }, wrong_fixes = { "cores", "gogc" },
          hints = { observe = "Look at p99." },
          debrief = "Trim it." },
      },
      enforce = {
        gates = { { id = "payload-size", kind = "payload-contract", title = "Payload contract", endpoint = "/checkout",
                    threshold = 16, unit = "KB", description = "Fails a deploy that grows the payload." } },
        future = { { day = 3, title = "Bigger payload", set = { payload_kb = 20 }, harmful = true } },
      },
    }
  end,
}
)lua";

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(from, at + 1) == std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string bottleneck_scenario_with(const std::string& from, const std::string& to) {
  return replace_once(kBottleneckScenario, from, to);
}

ScenarioError load_error(const std::string& name, const std::string& text) {
  try {
    ScenarioScript::load(write_loader_temp(name, text));
  } catch (const ScenarioError& e) {
    return e;
  }
  FAIL("loaded without error: " << name);
  return ScenarioError("", 0, "", "");
}

}  // namespace

TEST_CASE("the inline bottleneck scenario is valid as written", "[loader]") {
  ScenarioScript script = ScenarioScript::load(write_loader_temp("bottleneck_ok.lua", kBottleneckScenario));
  const ScenarioBuild build = script.build(script.resolve({}));
  REQUIRE(build.bottlenecks.size() == 1);
  CHECK(build.enforce.gates.size() == 1);
  SECTION("engine frames and the root frame can be hot") {
    for (const char* frame : {"runtime.scanobject", "sync.(*Mutex).Lock", "net/http.(*Client).Do", "main"}) {
      const std::string text = bottleneck_scenario_with("hot_frame = \"encoding/json.Unmarshal\"",
                                                        std::string("hot_frame = \"") + frame + "\"");
      ScenarioScript variant = ScenarioScript::load(write_loader_temp("engine_frame.lua", text));
      CHECK_NOTHROW(variant.build({}));
    }
  }
}

TEST_CASE("a hot frame may arrive with a timeline change, not only with a fix", "[loader]") {
  // The incident deploy is what brings cache.Get into the profile.
  const std::string text = replace_once(
      bottleneck_scenario_with("hot_frame = \"encoding/json.Unmarshal\"", "hot_frame = \"cache.Get\""),
      "      fixes = {", "      timeline = { { at_s = 100, set = { payload_kb = 60 } } },\n      fixes = {");
  ScenarioScript script = ScenarioScript::load(write_loader_temp("timeline_frame.lua", text));
  CHECK(script.build({}).bottlenecks.at(0).hot_frame == "cache.Get");
  CHECK_NOTHROW(script.build({{"payload_kb", 20.0}}));  // a fix-like override: still judged on the shipped timeline
}

TEST_CASE("broken catalogue cards are refused with the field at fault", "[loader]") {
  SECTION("unknown family") {
    const ScenarioError e = load_error(
        "card_family.lua", bottleneck_scenario_with("\"middle\", families = { \"allocation-bound\" }",
                                                    "\"middle\", families = { \"allocation-bound\", \"gc-bound\" }"));
    CHECK(e.field() == "families[2]");
    CHECK(e.message().find("unknown family \"gc-bound\" (families: cpu-algorithmic, allocation-bound,") == 0);
  }
  SECTION("unknown level") {
    const ScenarioError e = load_error("card_level.lua", bottleneck_scenario_with("\"middle\"", "\"expert\""));
    CHECK(e.field() == "level");
    CHECK(e.message() == "must be \"junior\", \"middle\" or \"senior\", got \"expert\"");
  }
  SECTION("minutes out of range") {
    const ScenarioError e =
        load_error("card_minutes.lua", bottleneck_scenario_with("level = \"middle\",", "minutes = 0,"));
    CHECK(e.field() == "minutes");
    CHECK(e.message() == "must be in (0, 600], got 0");
  }
  SECTION("empty goal") {
    const ScenarioError e =
        load_error("card_goals.lua", bottleneck_scenario_with("level = \"middle\",", "goals = { 'a', '' },"));
    CHECK(e.field() == "goals[2]");
    CHECK(e.message() == "must not be empty");
  }
}

TEST_CASE("broken bottlenecks and gates name the field at fault", "[loader]") {
  auto error_for = [](const std::string& name, const std::string& from, const std::string& to) {
    return build_error(name, bottleneck_scenario_with(from, to));
  };
  SECTION("family not in kFamilies") {
    const ScenarioError e = error_for("b_family.lua", "families = { \"allocation-bound\" }, root_cause",
                                      "families = { \"memory-bound\" }, root_cause");
    CHECK(e.field() == "bottlenecks[1].families[1]");
    CHECK(e.message().find("unknown family \"memory-bound\"") == 0);
  }
  SECTION("unknown fix") {
    const ScenarioError e = error_for("b_fix.lua", "right_fixes = { \"trim\" }", "right_fixes = { \"trimm\" }");
    CHECK(e.field() == "bottlenecks[1].right_fixes[1]");
    CHECK(e.message() == "no fix named \"trimm\" (fixes: cores, gogc, trim)");
  }
  SECTION("a fix both right and wrong") {
    const ScenarioError e =
        error_for("b_both.lua", "wrong_fixes = { \"cores\", \"gogc\" }", "wrong_fixes = { \"cores\", \"trim\" }");
    CHECK(e.field() == "bottlenecks[1].wrong_fixes[2]");
    CHECK(e.message() == "fix \"trim\" is also in right_fixes (a fix is either right or wrong)");
  }
  SECTION("only one wrong fix") {
    const ScenarioError e =
        error_for("b_one_wrong.lua", "wrong_fixes = { \"cores\", \"gogc\" }", "wrong_fixes = { \"cores\" }");
    CHECK(e.field() == "bottlenecks[1].wrong_fixes");
    CHECK(e.message() == "must list at least 2 fixes, got 1");
  }
  SECTION("unknown hot span") {
    const ScenarioError e = error_for("b_span.lua", "hot_span = \"inventory_check\"", "hot_span = \"inventory\"");
    CHECK(e.field() == "bottlenecks[1].hot_span");
    CHECK(e.message() ==
          "no span named \"inventory\" in endpoint \"/checkout\" (spans: handle_request, inventory_check)");
  }
  SECTION("hot frame that exists nowhere") {
    const ScenarioError e =
        error_for("b_frame.lua", "hot_frame = \"encoding/json.Unmarshal\"", "hot_frame = \"json.Decode\"");
    CHECK(e.field() == "bottlenecks[1].hot_frame");
    CHECK(e.message().find("no frame named \"json.Decode\" in the model built with the default params") == 0);
  }
  SECTION("hot frame only in a build with other params") {
    const std::string text =
        bottleneck_scenario_with("hot_frame = \"encoding/json.Unmarshal\"", "hot_frame = \"cache.Get\"");
    ScenarioScript script = ScenarioScript::load(write_loader_temp("b_frame_param.lua", text));
    try {
      script.build({{"payload_kb", 60.0}});  // this build has cache.Get; the default one does not
      FAIL("built without error");
    } catch (const ScenarioError& e) {
      CHECK(e.field() == "bottlenecks[1].hot_frame");
    }
  }
  SECTION("hot frame after a timeline change, but only past the end of the run") {
    const std::string text = replace_once(
        bottleneck_scenario_with("hot_frame = \"encoding/json.Unmarshal\"", "hot_frame = \"cache.Get\""),
        "      fixes = {", "      timeline = { { at_s = 600, set = { payload_kb = 60 } } },\n      fixes = {");
    const ScenarioError e = build_error("b_frame_late.lua", text);
    CHECK(e.field() == "bottlenecks[1].hot_frame");
  }
  SECTION("metric lcp on the server side") {
    const ScenarioError e = error_for("b_lcp.lua", "metric = \"p99\", onset_s = 60",
                                      "metric = \"lcp\", onset_s = 60, side = \"server\"");
    CHECK(e.field() == "bottlenecks[1].symptom.side");
    CHECK(e.message() == "must be \"client\" for metric \"lcp\" (a browser metric), got \"server\"");
  }
  SECTION("a browser metric on an endpoint without a page") {
    const std::string text = replace_once(bottleneck_scenario_with("metric = \"p99\", onset_s = 60",
                                                                   "metric = \"lcp\", onset_s = 60, side = \"client\""),
                                          "client = { bundle_kb = 300 },", "");
    const ScenarioError e = build_error("b_lcp_no_client.lua", text);
    CHECK(e.field() == "bottlenecks[1].symptom.endpoint");
    CHECK(e.message() == "endpoint \"/checkout\" has no client bundle, so no \"lcp\" to observe (add client = {...} to it)");
  }
  SECTION("symptom on an unknown endpoint") {
    const ScenarioError e =
        error_for("b_endpoint.lua", "symptom = { endpoint = \"/checkout\"", "symptom = { endpoint = \"/x\"");
    CHECK(e.field() == "bottlenecks[1].symptom.endpoint");
    CHECK(e.message() == "no endpoint named \"/x\" (endpoints: /checkout)");
  }
  SECTION("hint key that is not a step") {
    const ScenarioError e = error_for("b_hint.lua", "observe = \"Look at p99.\"", "guess = \"Look at p99.\"");
    CHECK(e.field() == "bottlenecks[1].hints.guess");
    CHECK(e.message() ==
          "unknown field (expected one of: observe, profile, classify, predict, fix, verify, enforce, move_on)");
  }
  SECTION("unknown bottleneck field") {
    const ScenarioError e = error_for("b_field.lua", "debrief = \"Trim it.\"", "debrief = \"Trim it.\", lesson = 'x'");
    CHECK(e.field() == "bottlenecks[1].lesson");
  }
  SECTION("gate kind unknown") {
    const ScenarioError e = error_for("g_kind.lua", "kind = \"payload-contract\"", "kind = \"payload-contrat\"");
    CHECK(e.field() == "enforce.gates[1].kind");
    CHECK(e.message().find("must be \"bundle-budget\", \"query-count\", ") == 0);
    CHECK(e.message().find("\"runbook\", got \"payload-contrat\"") != std::string::npos);
  }
  SECTION("gate endpoint unknown") {
    const ScenarioError e = error_for("g_endpoint.lua", "title = \"Payload contract\", endpoint = \"/checkout\"",
                                      "title = \"Payload contract\", endpoint = \"/chekout\"");
    CHECK(e.field() == "enforce.gates[1].endpoint");
    CHECK(e.message() == "no endpoint named \"/chekout\" (endpoints: /checkout)");
  }
  SECTION("future change setting an undeclared param") {
    const ScenarioError e = error_for("f_set.lua", "set = { payload_kb = 20 }", "set = { payload = 20 }");
    CHECK(e.field() == "enforce.future[1].set.payload");
    CHECK(e.message() == "unknown param \"payload\" (declared params: payload_kb)");
  }
  SECTION("header families missing one of the bottlenecks'") {
    const ScenarioError e = error_for("h_extra.lua", "families = { \"allocation-bound\" }, root_cause",
                                      "families = { \"allocation-bound\", \"cpu-algorithmic\" }, root_cause");
    CHECK(e.field() == "families");
    CHECK(e.message() == "misses \"cpu-algorithmic\", a family of bottlenecks[1] (\"payload\")");
  }
  SECTION("header families listing one no bottleneck has") {
    const ScenarioError e = error_for("h_missing.lua", "\"middle\", families = { \"allocation-bound\" }",
                                      "\"middle\", families = { \"allocation-bound\", \"io-n-plus-1\" }");
    CHECK(e.field() == "families");
    CHECK(e.message() == "lists \"io-n-plus-1\" but no bottleneck belongs to it");
  }
  SECTION("bottlenecks but no gates") {
    // `nil and {...}` drops the table while keeping the text valid Lua.
    const ScenarioError e = error_for("no_gates.lua", "gates = { {", "gates = nil and { {");
    CHECK(e.field() == "enforce.gates");
    CHECK(e.message() == "must list at least one gate when the scenario has bottlenecks");
  }
  SECTION("bottlenecks but no enforce block") {
    const ScenarioError e = error_for("no_enforce.lua", "enforce = {", "enforce = nil and {");
    CHECK(e.field() == "enforce");
    CHECK(e.message() == "is required when the scenario has bottlenecks (at least one gate)");
  }
}

// ============================================================================
// [SECTION] Client bundles and their modules
// ============================================================================

TEST_CASE("a client bundle may list its modules; the bundle is their sum", "[loader]") {
  auto build_client = [](const std::string& name, const std::string& client) {
    std::string text = scenario_with("cpu { frame = 'f', ms = 1 }");
    text = replace_once(text, "{ name = \"/checkout\",", "{ name = \"/checkout\", client = " + client + ",");
    ScenarioScript script = ScenarioScript::load(write_loader_temp(name, text));
    return script.build(script.resolve({})).model.endpoints.at(0).client;
  };
  SECTION("untimed modules share what the timed ones leave, by size") {
    const ClientSpec c = build_client("modules.lua",
                                      "{ execute_ms = 400, modules = { { name = 'app', kb = 300, execute_ms = 100 },"
                                      " { name = 'vendor a', kb = 200 }, { name = 'vendor b', kb = 100 } } }");
    REQUIRE(c.modules.size() == 3);
    CHECK(c.bundle_kb == 600.0);
    CHECK(c.execute_ms == 400.0);
    CHECK(c.modules[0].execute_ms == 100.0);
    CHECK(c.modules[1].execute_ms == Approx(200.0));  // 300 ms left, 2/3 of the untimed KB
    CHECK(c.modules[2].execute_ms == Approx(100.0));
  }
  SECTION("fully timed modules set the page's execute time") {
    const ClientSpec c = build_client("modules_timed.lua",
                                      "{ modules = { { name = 'app', kb = 50, execute_ms = 30 }, { name = 'tags', kb = 70, execute_ms = 90 } } }");
    CHECK(c.bundle_kb == 120.0);
    CHECK(c.execute_ms == 120.0);
  }
  SECTION("bundle_kb and modules together, or totals that disagree, are refused") {
    std::string both = replace_once(scenario_with("cpu { frame = 'f', ms = 1 }"), "{ name = \"/checkout\",",
                                    "{ name = \"/checkout\", client = { bundle_kb = 10, modules = { { name = 'a', kb = 5 } } },");
    const ScenarioError e = build_error("modules_both.lua", both);
    CHECK(e.field().find("modules") != std::string::npos);
    CHECK(std::string(e.message()).find("not both") != std::string::npos);
    std::string over = replace_once(scenario_with("cpu { frame = 'f', ms = 1 }"), "{ name = \"/checkout\",",
                                    "{ name = \"/checkout\", client = { execute_ms = 50, modules = { { name = 'a', kb = 5, execute_ms = 80 } } },");
    const ScenarioError f = build_error("modules_over.lua", over);
    CHECK(f.field().find("execute_ms") != std::string::npos);
    CHECK(std::string(f.message()).find("add up to 80 ms") != std::string::npos);
  }
}

// ============================================================================
// [SECTION] Game day injects
// ============================================================================

namespace {

// The catalogue scenarios a game day can be run on, with their injects.
const char* const kGameDayScenarios[] = {"checkout-inventory-payload", "orders-n-plus-1", "lock-global-mutex",
                                         "process-order-gc", "pool-exhaustion"};

std::string catalogue_file(const std::string& id) { return test::source_path("scenarios/" + id + ".lua"); }

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool inject_order(const InjectSpec& a, const InjectSpec& b) {
  return a.at_s != b.at_s ? a.at_s < b.at_s : a.id < b.id;
}

// Two injects around the template's /checkout; EXTRA of scenario_with().
std::string injects_with(const std::string& first, const std::string& second) {
  return scenario_with("cpu { frame = 'f', ms = 1 },", "gameday = { injects = {\n  " + first + ",\n  " + second + ",\n} },");
}

const std::string kPage = "{ id = 'second-page', at_s = 300, kind = 'page', service = 'payments', text = 'p' }";

// Builds the template with `first` and kPage as its injects; it must fail.
ScenarioError inject_error(const std::string& name, const std::string& first, const std::string& second = kPage) {
  return build_error(name, injects_with(first, second));
}

}  // namespace

TEST_CASE("injects are read from gameday, sorted by time then id", "[loader][injects]") {
  const std::string text = injects_with(
      "{ id = 'eta', at_s = 450, kind = 'message', text = 'Manager: ETA?' }",
      "{ id = 'red-herring', at_s = 120.5, kind = 'deploy', service = 'search', text = 'search 1.2: new ranking' },\n"
      "  { id = 'b-page', at_s = 450, kind = 'page', service = 'payments', text = 'payments: declines up' },\n"
      "  { id = 'start', at_s = 0, kind = 'message', text = 'Facilitator: the game starts' },\n"
      "  { id = 'end', at_s = 600, kind = 'message', text = 'Facilitator: time is up' }");
  ScenarioScript script = ScenarioScript::load(write_loader_temp("injects.lua", text));
  const ScenarioBuild build = script.build(script.resolve({}));
  REQUIRE(build.injects.size() == 5);
  CHECK(build.injects[0].id == "start");
  CHECK(build.injects[1].id == "red-herring");
  CHECK(build.injects[1].at_s == 120.5);
  CHECK(build.injects[1].kind == "deploy");
  CHECK(build.injects[1].service == "search");
  CHECK(build.injects[1].text == "search 1.2: new ranking");
  CHECK(build.injects[2].id == "b-page");  // same time as "eta": by id
  CHECK(build.injects[3].id == "eta");
  CHECK(build.injects[3].service.empty());
  CHECK(build.injects[4].id == "end");  // at the very end of the run is still in it
  CHECK(std::is_sorted(build.injects.begin(), build.injects.end(), inject_order));

  // Optional, and an empty table is fine.
  ScenarioScript none = ScenarioScript::load(write_loader_temp("no_injects.lua", scenario_with("")));
  CHECK(none.build(none.resolve({})).injects.empty());
  ScenarioScript empty =
      ScenarioScript::load(write_loader_temp("empty_injects.lua", scenario_with("", "gameday = { injects = {} },")));
  CHECK(empty.build(empty.resolve({})).injects.empty());
}

TEST_CASE("broken injects name the field at fault", "[loader][injects]") {
  auto names = [](const ScenarioError& e, const std::string& field) {
    CHECK(e.field() == field);
    CHECK(std::string(e.what()).find(field + ": ") != std::string::npos);
  };
  SECTION("unknown kind") {
    const ScenarioError e =
        inject_error("i_kind.lua", kPage, "{ id = 'x', at_s = 10, kind = 'pager', service = 's', text = 't' }");
    names(e, "gameday.injects[2].kind");
    CHECK(e.message() == "must be \"page\", \"deploy\" or \"message\", got \"pager\"");
  }
  SECTION("missing kind") {
    const ScenarioError e = inject_error("i_no_kind.lua", "{ id = 'x', at_s = 10, text = 't' }");
    names(e, "gameday.injects[1].kind");
    CHECK(e.message() == "is required");
  }
  SECTION("a deploy without a service") {
    const ScenarioError e = inject_error("i_deploy.lua", "{ id = 'x', at_s = 10, kind = 'deploy', text = 'v2 out' }");
    names(e, "gameday.injects[1].service");
    CHECK(e.message() == "is required for a deploy (what deploys)");
  }
  SECTION("a page with an empty service") {
    const ScenarioError e =
        inject_error("i_page.lua", "{ id = 'x', at_s = 10, kind = 'page', service = '', text = 'paged' }");
    names(e, "gameday.injects[1].service");
    CHECK(e.message() == "must not be empty");
  }
  SECTION("a message from a service") {
    const ScenarioError e =
        inject_error("i_message.lua", "{ id = 'x', at_s = 10, kind = 'message', service = 's', text = 'hi' }");
    names(e, "gameday.injects[1].service");
  }
  SECTION("after the end of the run") {
    const ScenarioError e = inject_error("i_late.lua", "{ id = 'x', at_s = 601, kind = 'message', text = 't' }");
    names(e, "gameday.injects[1].at_s");
    CHECK(e.message() == "must be within the run, [0, 600] (duration_s), got 601");
  }
  SECTION("before the start, or not a number") {
    names(inject_error("i_early.lua", "{ id = 'x', at_s = -1, kind = 'message', text = 't' }"),
          "gameday.injects[1].at_s");
    const ScenarioError e = inject_error("i_nan.lua", "{ id = 'x', at_s = 0/0, kind = 'message', text = 't' }");
    names(e, "gameday.injects[1].at_s");
    CHECK(e.message() == "must be a finite number, got nan");
    names(inject_error("i_no_time.lua", "{ id = 'x', kind = 'message', text = 't' }"), "gameday.injects[1].at_s");
  }
  SECTION("duplicate id") {
    const ScenarioError e = inject_error(
        "i_dup.lua", kPage, "{ id = 'second-page', at_s = 20, kind = 'message', text = 't' }");
    names(e, "gameday.injects[2].id");
    CHECK(e.message() == "duplicate inject id \"second-page\"");
  }
  SECTION("id outside [a-z0-9-]+") {
    const ScenarioError e = inject_error("i_id.lua", "{ id = 'Second_Page', at_s = 20, kind = 'message', text = 't' }");
    names(e, "gameday.injects[1].id");
    CHECK(e.message().find("must match [a-z0-9-]+") == 0);
  }
  SECTION("text empty, too long, or more than one line") {
    names(inject_error("i_empty.lua", "{ id = 'x', at_s = 1, kind = 'message', text = '' }"),
          "gameday.injects[1].text");
    const ScenarioError e =
        inject_error("i_long.lua", "{ id = 'x', at_s = 1, kind = 'message', text = string.rep('a', 301) }");
    names(e, "gameday.injects[1].text");
    CHECK(e.message().find("must be at most 300 bytes") == 0);
    names(inject_error("i_lines.lua", "{ id = 'x', at_s = 1, kind = 'message', text = 'one\\ntwo' }"),
          "gameday.injects[1].text");
  }
  SECTION("unknown fields") {
    const ScenarioError e =
        inject_error("i_field.lua", "{ id = 'x', at_s = 1, kind = 'message', text = 't', colour = 'red' }");
    names(e, "gameday.injects[1].colour");
    CHECK(e.message().find("unknown field (expected one of: id, at_s,") == 0);
    const ScenarioError g =
        build_error("i_gameday.lua", scenario_with("", "gameday = { inject = {} },"));
    names(g, "gameday.inject");
    const ScenarioError h = build_error("i_table.lua", scenario_with("", "gameday = { injects = { 'page' } },"));
    names(h, "gameday.injects[1]");
  }
}

TEST_CASE("the game day scenarios carry a page, a red herring and pressure, all inside the run",
          "[loader][injects][catalogue]") {
  std::set<std::string> kinds;
  for (const char* id : kGameDayScenarios) {
    INFO(id);
    ScenarioScript script = ScenarioScript::load(catalogue_file(id));
    const ScenarioBuild build = script.build(script.resolve({}));
    const std::vector<InjectSpec>& injects = build.injects;
    CHECK(injects.size() >= 3);
    CHECK(injects.size() <= 4);
    CHECK(std::is_sorted(injects.begin(), injects.end(), inject_order));
    std::set<std::string> ids, own_kinds, deployed;
    for (const TimelineEvent& event : build.timeline)
      if (event.kind == "deploy") deployed.insert(event.service);
    for (const InjectSpec& inject : injects) {
      INFO(inject.id);
      CHECK(ids.insert(inject.id).second);
      own_kinds.insert(inject.kind);
      CHECK(inject.at_s >= 0.0);
      CHECK(inject.at_s <= build.duration_s);
      // A second page comes from another team; the red herring deploys somewhere the incident did not start.
      if (inject.kind == "page") CHECK(inject.service != build.model.service.name);
      if (inject.kind == "deploy") CHECK(deployed.count(inject.service) == 0);
    }
    CHECK(own_kinds == std::set<std::string>{"deploy", "message", "page"});
    kinds.insert(own_kinds.begin(), own_kinds.end());

    // Times follow the params: squeezed as the quiz squeezes a run, they stay inside it.
    const ParamValues defaults = script.resolve({});
    const double squeeze = 600.0 / defaults.at("duration_s");
    ParamValues squeezed;
    for (const ParamSpec& p : script.params())
      if (p.unit == "s") squeezed[p.name] = std::round(defaults.at(p.name) * squeeze);
    const ScenarioBuild short_run = script.build(squeezed);
    REQUIRE(short_run.injects.size() == injects.size());
    for (const InjectSpec& inject : short_run.injects) CHECK(inject.at_s <= short_run.duration_s);
    // ...and move when the incident moves.
    ParamValues later = defaults;
    later["deploy_at_s"] += 60.0;
    const ScenarioBuild moved = script.build(later);
    for (std::size_t i = 0; i < injects.size(); ++i) CHECK(moved.injects[i].at_s == injects[i].at_s + 60.0);
  }
  CHECK(kinds == std::set<std::string>{"deploy", "message", "page"});
}

TEST_CASE("inject texts never give the answer away", "[loader][injects][catalogue]") {
  int with_injects = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::source_path("scenarios"))) {
    if (entry.path().extension() != ".lua") continue;
    INFO(entry.path().filename().string());
    ScenarioScript script = ScenarioScript::load(entry.path().string());
    const ScenarioBuild build = script.build(script.resolve({}));
    if (build.injects.empty()) continue;
    ++with_injects;
    // What a team must find for itself: each bottleneck's families, hot spot
    // and right fixes, and the service whose deploy started it.
    std::vector<std::string> secrets;
    for (const BottleneckSpec& b : build.bottlenecks) {
      for (const std::string& family : b.families) {
        secrets.push_back(family);
        std::string spaced = family;
        std::replace(spaced.begin(), spaced.end(), '-', ' ');
        secrets.push_back(spaced);
      }
      secrets.push_back(b.hot_frame);
      if (!b.hot_span.empty()) secrets.push_back(b.hot_span);
      secrets.insert(secrets.end(), b.right_fixes.begin(), b.right_fixes.end());
      for (const TimelineEvent& event : build.timeline)
        if (event.kind == "deploy" && event.at_s == b.symptom.onset_s && !event.service.empty())
          secrets.push_back(event.service);
    }
    for (const InjectSpec& inject : build.injects) {
      INFO(inject.id << ": " << inject.text);
      for (const std::string& secret : secrets) {
        INFO(secret);
        CHECK(lower(inject.text).find(lower(secret)) == std::string::npos);
        CHECK(lower(inject.service) != lower(secret));
      }
    }
  }
  CHECK(with_injects >= static_cast<int>(std::size(kGameDayScenarios)));
}

TEST_CASE("injects travel back from the script's child process whole", "[loader][injects][sandbox][process]") {
  ScriptOptions in_process;
  in_process.isolation = ScriptIsolation::InProcess;
  ScenarioScript child = ScenarioScript::load(catalogue_file("checkout-inventory-payload"));  // the default
  ScenarioScript local = ScenarioScript::load(catalogue_file("checkout-inventory-payload"), in_process);
  const std::vector<InjectSpec> a = child.build(child.resolve({})).injects;
  const std::vector<InjectSpec> b = local.build(local.resolve({})).injects;
  REQUIRE(a.size() == b.size());
  REQUIRE(!a.empty());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].id == b[i].id);
    CHECK(a[i].at_s == b[i].at_s);
    CHECK(a[i].kind == b[i].kind);
    CHECK(a[i].service == b[i].service);
    CHECK(a[i].text == b[i].text);
  }
}

TEST_CASE("injects change nothing the simulation sees", "[loader][injects][determinism]") {
  // The same scenario with its gameday table evaluated to nil.
  std::ifstream in(catalogue_file("lock-global-mutex"), std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string without = replace_once(text, "gameday = {", "gameday = nil and {");
  const ParamValues short_run{{"duration_s", 600.0}, {"deploy_at_s", 200.0}, {"fix_at_s", 400.0}};
  auto report = [&](const std::string& name, const std::string& script_text) {
    ScenarioScript script = ScenarioScript::load(write_loader_temp(name, script_text));
    PlannedRun planned = plan_run(script, short_run, {"snapshot"}, 7);
    Simulation sim(planned.plan);
    sim.run();
    RunInfo info{script.id(), script.title(), &planned, 0.0};
    nlohmann::json json = report_json(sim, info, ReportOptions{true, 3});
    json.erase("perf");
    return std::pair{json.dump(), script.build(planned.params).injects.size()};
  };
  const auto [with_dump, with_count] = report("with_injects.lua", text);
  const auto [without_dump, without_count] = report("without_injects.lua", without);
  CHECK(with_count >= 3);
  CHECK(without_count == 0);
  CHECK(with_dump == without_dump);
}
