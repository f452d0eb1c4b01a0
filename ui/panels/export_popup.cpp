// The Export button on Observe and Profile: what the panel shows, written in
// the format a real tool opens (pprof, speedscope, folded; Chrome or OTLP
// traces; OpenMetrics), by the same code as `perfloop export`. The run is
// made again off the UI thread (same seed, same numbers), so the frame never
// waits for the file.
#include <imgui.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "sim/interop/run_export.h"
#include "sim/io/atomic_file.h"
#include "sim/io/bounded_file.h"
#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

struct FormatChoice {
  const char* format;
  const char* label;
  const char* extension;
  const char* tooltip;
};

constexpr FormatChoice kProfileFormats[] = {
    {"pprof", "pprof", ".pb.gz", "Gzipped profile.proto: go tool pprof, Grafana Pyroscope, Parca"},
    {"speedscope", "speedscope", ".speedscope.json", "speedscope.app's JSON file format"},
    {"folded", "folded stacks", ".folded", "One 'root;...;leaf count' line per stack: flamegraph.pl, inferno, speedscope"},
};
constexpr FormatChoice kTraceFormats[] = {
    {"chrome", "Chrome trace", ".trace.json", "Chrome Trace Event JSON: Perfetto (ui.perfetto.dev), chrome://tracing"},
    {"otlp", "OTLP/JSON", ".otlp.json", "OpenTelemetry's JSON encoding: Jaeger, Tempo and other OTLP back ends"},
};
constexpr FormatChoice kMetricsFormats[] = {
    {"openmetrics", "OpenMetrics", ".om.txt", "Prometheus' text format: promtool tsdb create-blocks-from openmetrics, then Grafana"},
};

struct Choices {
  const FormatChoice* list;
  int count;
};

Choices choices_for(const std::string& what) {
  if (what == "trace") return {kTraceFormats, 2};
  if (what == "metrics") return {kMetricsFormats, 1};
  return {kProfileFormats, 3};
}

std::string export_folder(const AppState& state) {
  if (!state.data.dir.empty()) return state.data.dir + "/exports";
  return "perfloop-exports";
}

// A name that tells the files apart without naming the scenario (its id
// could give the answer away before the learner has given one).
std::string default_path(const AppState& state, const RunExportRequest& r, const FormatChoice& f) {
  char name[160];
  const long from = std::lround(std::max(0.0, r.from_s)), to = r.to_s < 0 ? -1 : std::lround(r.to_s);
  if (r.what == "profile")
    std::snprintf(name, sizeof name, "profile-%s-%ld-%lds%s", r.stream.c_str(), from, to, f.extension);
  else if (to < 0)
    std::snprintf(name, sizeof name, "%s-seed%llu%s", r.what.c_str(), static_cast<unsigned long long>(r.seed), f.extension);
  else
    std::snprintf(name, sizeof name, "%s-%ld-%lds%s", r.what.c_str(), from, to, f.extension);
  return export_folder(state) + "/" + name;
}

}  // namespace

void draw_export_button(AppState& state, RunExportRequest request, const char* disabled_why) {
  ExportState& ex = state.export_state;
  if (auto done = ex.task.take()) {
    ex.status = *done;
    ex.failed = false;
  }
  if (std::string error = ex.task.take_error(); !error.empty()) {
    ex.status = error;
    ex.failed = true;
  }
  ImGui::BeginDisabled(disabled_why != nullptr);
  if (ImGui::Button("Export...")) {
    ex.what = request.what;
    ex.format = 0;
    ex.path = default_path(state, request, choices_for(request.what).list[0]);
    ex.status.clear();
    ImGui::OpenPopup("export");
  }
  ImGui::EndDisabled();
  mark_control("export.open");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("%s", disabled_why ? disabled_why : "Write what this panel shows as a file a real tool opens");
  if (!ImGui::BeginPopup("export")) return;
  const Choices choices = choices_for(ex.what);
  ImGui::Text("Export the %s", ex.what == "profile" ? (request.stream + " profile of this window").c_str()
                               : ex.what == "trace" ? "sampled traces of this window"
                                                    : "metrics, per 10 s window");
  for (int i = 0; i < choices.count; ++i) {
    if (ImGui::RadioButton(choices.list[i].label, ex.format == i) && ex.format != i) {
      ex.format = i;
      ex.path = default_path(state, request, choices.list[i]);
    }
    mark_control(std::string("export.format.") + choices.list[i].format);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", choices.list[i].tooltip);
    ImGui::SameLine();
  }
  ImGui::NewLine();
  char path[512];
  std::snprintf(path, sizeof path, "%s", ex.path.c_str());
  ImGui::SetNextItemWidth(520);
  if (ImGui::InputText("File", path, sizeof path)) ex.path = path;
  mark_control("export.path");
  const bool busy = ex.task.busy();
  ImGui::BeginDisabled(busy || ex.path.empty());
  if (ImGui::Button(busy ? "Writing..." : "Write")) {
    request.format = choices.list[ex.format].format;
    const std::string target = ex.path;
    ex.status.clear();
    ex.task.start([request, target]() {
      const RunExport out = export_run(request);
      const std::filesystem::path parent = std::filesystem::path(target).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent);
      write_output_file(target, out.bytes);
      return "Wrote " + target + ": " + out.summary + ", " + byte_size_text(static_cast<double>(out.bytes.size()));
    });
  }
  ImGui::EndDisabled();
  mark_control("export.write");
  ImGui::SameLine();
  if (ImGui::Button("Close")) ImGui::CloseCurrentPopup();
  if (!ex.status.empty()) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + 620.0f);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ex.failed ? colour::kSlo : colour::kMuted), "%s", ex.status.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::EndPopup();
}

RunExportRequest export_request_for(const AppState& state, const std::string& what) {
  RunExportRequest r;
  r.scenario_path = state.scenario_path;
  r.seed = state.seed;
  r.params = state.params;
  r.fixes = fixes_before(state.play, state.view.build.get());
  r.what = what;
  return r;
}

}  // namespace perfloop::ui
