// Profile exports and imports: every file shows the shares the app's flame
// graph shows for the same window; files round-trip; speedscope files pass
// the schema the speedscope npm package ships; broken files are refused
// with their line, JSON path or byte; frame names suggest families.
#include <catch2/catch.hpp>

#include <cstdio>
#include <sys/stat.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "sim/engine/capture.h"
#include "sim/interop/capture_profile.h"
#include "sim/interop/family_hints.h"
#include "sim/interop/folded_format.h"
#include "sim/interop/import_error.h"
#include "sim/interop/profile_export.h"
#include "sim/interop/profile_import.h"
#include "sim/interop/run_export.h"
#include "sim/interop/speedscope_format.h"
#include "sim/loop/what_if.h"
#include "test_support.h"
#include "ui/core/flame_layout.h"

using namespace perfloop;
using perfloop::test::source_path;

namespace {

// The checkout incident, short: the deploy at 5:00, a fix at 10:00, 15 minutes in all.
const ParamValues kShortCheckout = {{"deploy_at_s", 300}, {"fix_at_s", 600}, {"duration_s", 900}};

// Share of the whole by root-first path ("all;a;b"), for every node of a tree.
std::map<std::string, double> shares_by_path(const ui::FlameTree& tree) {
  std::map<std::string, double> out;
  std::vector<std::string> path(tree.nodes.size());
  for (std::size_t i = 0; i < tree.nodes.size(); ++i) {  // parents come before children
    const auto& n = tree.nodes[i];
    path[i] = n.parent < 0 ? n.name : path[static_cast<std::size_t>(n.parent)] + ";" + n.name;
    out[path[i]] = tree.share(static_cast<int>(i));
  }
  return out;
}

ui::FlameTree tree_of(const StackProfile& p, std::size_t column) {
  std::vector<double> values = p.values.at(column);
  values.resize(p.symbols.stack_count(), 0.0);
  return ui::build_flame_tree(p.symbols, values);
}

ui::FlameMeasure measure_of(const std::string& stream) {
  if (stream == "alloc") return ui::FlameMeasure::AllocBytes;
  if (stream == "offcpu") return ui::FlameMeasure::OffCpuNs;
  if (stream == "mutex") return ui::FlameMeasure::MutexNs;
  return ui::FlameMeasure::CpuSamples;
}

void require_same_shares(const std::map<std::string, double>& app, const std::map<std::string, double>& file) {
  REQUIRE(app.size() == file.size());
  for (const auto& [path, share] : app) {
    INFO(path);
    REQUIRE(file.count(path) == 1);
    CHECK(file.at(path) == Approx(share).margin(1e-12));
  }
}

std::string temp_file(const std::string& name, const std::string& bytes) {
  const std::string path = "/tmp/perfloop-interop-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// The message an importer refuses `bad` with, or "accepted".
template <typename Reader>
std::string refusal(Reader read, const std::string& bad) {
  try {
    (void)read(bad);
  } catch (const ImportError& e) {
    return std::string(e.what());
  }
  return std::string("accepted");
}

// Validates `file` against speedscope's own schema with python3-jsonschema.
bool speedscope_schema_accepts(const std::string& schema, const std::string& file) {
  const std::string check = "/usr/bin/python3 -c \"import json,jsonschema,sys; s=json.load(open(sys.argv[1])); "
                            "jsonschema.validate(json.load(open(sys.argv[2])), {**s, '\\$ref': '#/definitions/FileFormat.File'})\" " +
                            schema + " " + file + " 2>/dev/null";
  return std::system(check.c_str()) == 0;
}

}  // namespace

TEST_CASE("An exported profile shows the shares of the app's flame graph, in every format and stream", "[interop-profiles]") {
  // The app's tree comes from the loop's what-if runs (the session's), the
  // file from `perfloop export`'s own run: the same seed must give the same picture.
  ScenarioScript script = ScenarioScript::load(source_path("scenarios/checkout-inventory-payload.lua"));
  WhatIfRuns runs(script, kShortCheckout, 1);
  struct Case {
    std::vector<std::string> fixes;
    double from_s, to_s;
  };
  const std::string fix = runs.build().bottlenecks.at(0).right_fixes.at(0);
  for (const Case& c : {Case{{}, 300, 600}, Case{{fix}, 600, 900}}) {
    const Capture app = capture(runs.run(c.fixes), capture_window_for("/checkout", c.from_s, c.to_s, 0.0));
    REQUIRE(app.requests > 10000);
    for (const char* stream : kProfileStreams) {
      const ui::FlameTree app_tree = ui::build_flame_tree(app.symbols, app.profile, static_cast<std::size_t>(app.endpoint),
                                                          measure_of(stream));
      if (app_tree.total() <= 0) continue;  // no lock in this service: an empty mutex profile
      for (const char* format : kProfileFormats) {
        INFO(stream << " as " << format << (c.fixes.empty() ? "" : " after the fix"));
        RunExportRequest request;
        request.scenario_path = source_path("scenarios/checkout-inventory-payload.lua");
        request.params = kShortCheckout;
        request.fixes = c.fixes;
        request.stream = stream;
        request.format = format;
        request.from_s = c.from_s;
        request.to_s = c.to_s;
        const RunExport file = export_run(request);
        const StackProfile back = import_profile(file.bytes, detect_profile_format(file.bytes));
        require_same_shares(shares_by_path(app_tree), shares_by_path(tree_of(back, back.default_type)));
      }
    }
  }
}

TEST_CASE("A lock's mutex profile exports with its wait frame and suggests a lock", "[interop-profiles]") {
  RunExportRequest request;
  request.scenario_path = source_path("scenarios/lock-global-mutex.lua");
  request.stream = "mutex";
  request.format = "speedscope";
  const RunExport file = export_run(request);
  const StackProfile p = read_speedscope(file.bytes);
  REQUIRE(p.types.size() == 1);
  CHECK(p.types[0] == ValueType{"delay", "nanoseconds"});
  const auto hints = family_hints(p, 0);
  REQUIRE_FALSE(hints.empty());
  CHECK(hints[0].family == "lock-bound");
  CHECK(hints[0].share > 0.95);  // a mutex profile is all lock waits
}

TEST_CASE("Folded stacks round-trip and are refused with their line", "[interop-profiles]") {
  StackProfile p;
  p.add_type({"samples", "count"});
  const std::uint32_t main = p.symbols.stack_path(kNoStack, "main");
  const std::uint32_t work = p.symbols.stack_path(main, "work;odd");  // a ';' inside a name
  const std::uint32_t rec = p.symbols.stack_path(p.symbols.stack_path(work, "main"), "work;odd");
  p.add(main, 0, 5);
  p.add(work, 0, 30);
  p.add(rec, 0, 65);
  const std::string text = write_folded(p, 0);
  CHECK(text == "main 5\nmain;work:odd 30\nmain;work:odd;main;work:odd 65\n");
  const StackProfile back = read_folded(text);
  CHECK(back.total(0) == 100);
  CHECK(write_folded(back, 0) == text);
  // Recursion counts once per stack in a frame's total.
  for (const FrameWeight& w : frame_weights(back, 0))
    if (w.frame == "main") CHECK(w.total == Approx(1.0));

  const auto refused = [](const std::string& bad) { return refusal(read_folded, bad); };
  CHECK(refused("a;b 1\r\n\nc;d\n") == "line 3: expected 'frame;frame;...;leaf COUNT' (a path, one space, a whole number)");
  CHECK(refused("a;b 1\na;;b 2\n") == "line 2: an empty frame name (two ';' in a row, or one at an end)");
  CHECK(refused("a 12.5\n").rfind("line 1: the count", 0) == 0);
  CHECK(refused("a 99999999999999999999\n").rfind("line 1: the count", 0) == 0);
  CHECK(refused("a -3\n").rfind("line 1: the count", 0) == 0);
}

TEST_CASE("speedscope files: the package's schema accepts ours; evented profiles and broken files", "[interop-profiles]") {
  const std::string schema =
      source_path(".cache/test-tools/node_modules/speedscope/dist/release/file-format-schema.json");
  if (!std::ifstream(schema)) FAIL("the speedscope npm package is missing: run scripts/deps (" << schema << ")");
  if (std::system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") != 0) FAIL("python3-jsonschema is missing: run scripts/deps");
  // A file the schema refuses is refused: the check can fail.
  const std::string broken = temp_file("broken.json", R"({"$schema": "https://www.speedscope.app/file-format-schema.json", "profiles": 3, "shared": {"frames": []}})");
  CHECK_FALSE(speedscope_schema_accepts(schema, broken));
  std::remove(broken.c_str());
  for (const char* stream : {"cpu", "alloc", "offcpu"}) {
    RunExportRequest request;
    request.scenario_path = source_path("scenarios/checkout-inventory-payload.lua");
    request.params = kShortCheckout;
    request.stream = stream;
    request.format = "speedscope";
    request.from_s = 300;
    request.to_s = 600;
    const std::string file = temp_file(std::string(stream) + ".speedscope.json", export_run(request).bytes);
    INFO(stream << " export: " << file);
    CHECK(speedscope_schema_accepts(schema, file));
    std::remove(file.c_str());
  }

  // An evented profile: each stretch between events goes to the stack open then.
  const StackProfile evented = read_speedscope(R"({"$schema": "https://www.speedscope.app/file-format-schema.json",
    "shared": {"frames": [{"name": "main"}, {"name": "parse"}]},
    "profiles": [{"type": "evented", "name": "t1", "unit": "milliseconds", "startValue": 0, "endValue": 10,
      "events": [{"type": "O", "at": 0, "frame": 0}, {"type": "O", "at": 2, "frame": 1},
                 {"type": "C", "at": 9, "frame": 1}, {"type": "C", "at": 10, "frame": 0}]}]})");
  REQUIRE(evented.types.size() == 1);
  CHECK(evented.types[0] == ValueType{"t1", "milliseconds"});
  CHECK(evented.total(0) == 10);
  for (const FrameWeight& w : frame_weights(evented, 0))
    if (w.frame == "parse") CHECK(w.self == Approx(0.7));

  const auto refused = [](const std::string& bad) { return refusal(read_speedscope, bad); };
  const std::string head = R"({"$schema": "https://www.speedscope.app/file-format-schema.json", "shared": {"frames": [{"name": "a"}]}, )";
  CHECK(refused(head + R"("profiles": [{"type": "sampled", "name": "x", "unit": "none", "startValue": 0, "endValue": 1, "samples": [[0], [0, 7]], "weights": [1, 1]}]})") ==
        "$.profiles[0].samples[1][1]: frame 7 is not among the 1 shared frames");
  CHECK(refused(head + R"("profiles": [{"type": "sampled", "name": "x", "unit": "none", "startValue": 0, "endValue": 1, "samples": [[0]], "weights": [1, 2]}]})") ==
        "$.profiles[0]: 1 samples but 2 weights");
  CHECK(refused(head + R"("profiles": [{"type": "evented", "name": "x", "unit": "none", "startValue": 0, "endValue": 1, "events": [{"type": "C", "at": 0, "frame": 0}]}]})") ==
        "$.profiles[0].events[0]: closes frame 0, which is not the innermost open frame");
  CHECK(refused(head + R"("profiles": [{"type": "evented", "name": "x", "unit": "none", "startValue": 0, "endValue": 1, "events": [{"type": "O", "at": 0, "frame": 0}]}]})") ==
        "$.profiles[0].events: 1 frame(s) never closed");
  CHECK(refused(R"({"$schema": "https://www.speedscope.app/file-format-schema.json", "shared": )") == "byte 77: not valid JSON");
  CHECK(refused(R"({"shared": {"frames": []}, "profiles": []})") == "$: missing \"$schema\"");
}

TEST_CASE("Family hints read frame names as a question, with the frames that suggest it", "[interop-profiles]") {
  StackProfile p = read_folded(
      "main;processOrder;runtime.mallocgc 30\n"
      "main;processOrder;runtime.gcAssistAlloc;runtime.scanobject 20\n"
      "main;processOrder 40\n"
      "main;flush;syscall.Syscall 7\n"
      "main;sync.(*Mutex).Lock 3\n");
  const auto hints = family_hints(p, 0);
  REQUIRE(hints.size() == 2);  // the lock's 3% is under the 5% floor
  CHECK(hints[0].family == "allocation-bound");
  CHECK(hints[0].share == Approx(0.50));
  CHECK(hints[0].frames == std::vector<std::string>{"runtime.mallocgc", "runtime.gcAssistAlloc", "runtime.scanobject"});
  CHECK(hints[1].family == "syscall-bound");
  CHECK(hints[1].share == Approx(0.07));
  CHECK(family_hints(p, 0, 0.01).size() == 3);

  const std::string path = temp_file("hints.folded", write_folded(p, 0));
  const ImportedProfile imported = import_profile_file(path);
  const nlohmann::json summary = import_summary_json(imported, 3);
  CHECK(summary["format"] == "folded");
  const auto& column = summary["types"][0];
  CHECK(column["total"] == 100);
  CHECK(column["top_self"][0]["frame"] == "processOrder");
  CHECK(column["top_self"][0]["self_pct"] == Approx(40));
  CHECK(column["top_total"][0]["frame"] == "main");
  CHECK(column["top_total"][1]["frame"] == "processOrder");
  CHECK(column["top_total"][1]["total_pct"] == Approx(90));
  CHECK(summary["hints"][0]["family"] == "allocation-bound");
  std::remove(path.c_str());
}

TEST_CASE("perfloop export and import on the command line", "[interop-profiles][cli]") {
  using perfloop::test::run_cli;
  const std::string out = "/tmp/perfloop-interop-cli-" + std::to_string(::getpid()) + ".folded";
  auto r = run_cli("export checkout-inventory-payload --param duration_s=900 --param deploy_at_s=300 --format folded "
                   "--from-s 300 --to-s 600 -o " + out);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("wrote " + out + " (folded, cpu profile of /checkout") != std::string::npos);
  r = run_cli("import " + out + " --json --top 3");
  REQUIRE(r.status == 0);
  const auto summary = nlohmann::json::parse(r.out);
  CHECK(summary["types"][0]["top_self"].size() == 3);
  CHECK(summary["types"][0]["top_total"][0]["total_pct"] == Approx(100));

  // A pipe named as the output is written into, not replaced by a file.
  const std::string fifo = out + ".fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  r = run_cli("export checkout-inventory-payload --param duration_s=900 --param deploy_at_s=300 --format folded "
              "--from-s 300 --to-s 600 -o " + fifo + " & cat " + fifo + " > " + out + ".copy; wait");
  struct stat st {};
  REQUIRE(::stat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  std::ifstream copy(out + ".copy"), direct(out);
  const std::string via_pipe((std::istreambuf_iterator<char>(copy)), std::istreambuf_iterator<char>());
  const std::string via_file((std::istreambuf_iterator<char>(direct)), std::istreambuf_iterator<char>());
  CHECK(via_pipe == via_file);
  CHECK(via_pipe.size() > 100);
  std::remove(fifo.c_str());
  std::remove((out + ".copy").c_str());

  // The epoch moves every timestamp: the first window ends 10 s after it.
  r = run_cli("export checkout-inventory-payload --what metrics --epoch 2026-06-01T00:00:00Z --to-s 20 -o -");
  REQUIRE(r.status == 0);
  CHECK(r.out.find("} 0 1780272010.000\n") != std::string::npos);  // 2026-06-01T00:00:10Z
  CHECK(r.out.find("1780272030.000") == std::string::npos);            // nothing past the window
  CHECK(r.out.size() > 7);
  CHECK(r.out.substr(r.out.size() - 6) == "# EOF\n");
  r = run_cli("export checkout-inventory-payload --what metrics --epoch yesterday -o -");
  CHECK(r.status == 2);
  CHECK(r.err.find("--epoch: expected an ISO-8601 time") != std::string::npos);

  r = run_cli("export checkout-inventory-payload --what trace --format pprof -o " + out);
  CHECK(r.status == 2);
  CHECK(r.err.find("--format \"pprof\" does not fit --what trace (chrome, otlp)") != std::string::npos);
  r = run_cli("export checkout-inventory-payload --endpoint /nope -o " + out);
  CHECK(r.status == 2);
  CHECK(r.err.find("--endpoint \"/nope\" is not an endpoint of checkout-inventory-payload") != std::string::npos);
  r = run_cli("export checkout-inventory-payload --what metrics --stream alloc -o " + out);
  CHECK(r.status == 2);

  std::ofstream(out) << "main;a 3\nmain;b\n";
  r = run_cli("import " + out);
  CHECK(r.status == 2);
  CHECK(r.err.find(out + " (folded): line 2: expected") != std::string::npos);
  r = run_cli("import /nonexistent/profile.pb.gz");
  CHECK(r.status == 2);
  CHECK(r.err.find("/nonexistent/profile.pb.gz: ") != std::string::npos);
  std::remove(out.c_str());
}
