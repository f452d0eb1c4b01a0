// The scenario loader turns a script's result into a ModelSpec and refuses a
// broken one with the path of the field at fault.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/scenario_loader.h"

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
    CHECK(e.message() == "must be >= 0, got -5");
    CHECK(e.line() == kStepLine);
  }
  SECTION("negative payload in a nested span") {
    const ScenarioError e = build_error(
        "payload.lua",
        scenario_with("span { name = 'inventory_check',\n"
                      "  downstream { service = 'inv', rtt_ms = 1, payload_kb = -8 } }"));
    CHECK(std::string(e.what()).find("endpoints[\"/checkout\"].root.inventory_check.steps[1].payload_kb: must be >= 0, "
                                     "got -8") != std::string::npos);
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
