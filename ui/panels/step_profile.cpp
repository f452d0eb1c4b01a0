// Profile: look inside the window where the problem was live. One stream at
// a time: CPU, allocation, off-CPU or mutex flame graphs built from the
// run's samples (with a diff against the same length before the onset),
// the slowest sampled traces as waterfalls with each span's baseline, or the
// route's client bundle. Clicking a frame or a span picks the hot spot.
#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"
#include "ui/core/waterfall_layout.h"
#include "ui/widgets/widget_waterfall.h"

namespace perfloop::ui {

namespace {

struct StreamTab {
  const char* id;      // the view
  const char* answer;  // the stream the answer names
  const char* label;
  const char* tooltip;
};

constexpr StreamTab kStreams[] = {
    {"cpu", "cpu", "CPU", "Where the CPU time goes: on-CPU samples by call stack"},
    {"alloc", "alloc", "Allocation", "Which call stacks allocate the bytes (and so drive GC)"},
    {"offcpu", "offcpu", "Off-CPU", "Where requests wait: I/O, downstream calls and locks"},
    {"mutex", "offcpu", "Mutex", "Waiting for locks only: the off-CPU profile's lock part"},
    {"trace", "trace", "Traces", "The slowest sampled requests, span by span"},
    {"bundle", "bundle", "Bundle", "What the browser downloads, parses and runs for the page"},
};

FlameMeasure measure_of(const std::string& view) {
  if (view == "alloc") return FlameMeasure::AllocBytes;
  if (view == "offcpu") return FlameMeasure::OffCpuNs;
  if (view == "mutex") return FlameMeasure::MutexNs;
  return FlameMeasure::CpuSamples;
}

double onset_of(const AppState& state) {
  const auto& b = state.play.answers.bottlenecks;
  if (state.play.bottleneck < b.size() && b[state.play.bottleneck].observe) return b[state.play.bottleneck].observe->onset_s;
  return state.play.observe.onset_s;
}

// The last second a capture may reach: the run's end, or in a game the
// clock (a window that has not passed has no samples yet).
double capture_end(const AppState& state) {
  if (state.game.active) return state.run.done_s;
  return state.run.duration_s;
}

// A game's facilitator may hide profiles, traces or RUM (the bundle).
bool stream_shown(const AppState& state, const StreamTab& tab) {
  if (!state.game.active) return true;
  const std::string id = tab.id;
  if (id == "trace") return state.game.signals.traces;
  if (id == "bundle") return state.game.signals.rum;
  return state.game.signals.profiles;
}

void ensure_window(AppState& state) {
  ProfileAnswer& a = state.play.profile;
  if (a.to_s > a.from_s) return;
  const double onset = onset_of(state);
  const double end = capture_end(state) > 0 ? capture_end(state) : onset + 600.0;
  a.from_s = std::min(onset, std::max(0.0, end - 60.0));
  a.to_s = std::min(end, a.from_s + 600.0);
}

void draw_flame_stream(AppState& state, const std::shared_ptr<const ProfileData>& capture) {
  ProfileView& view = state.profile;
  const ProfileData& data = *capture;
  // The worker built the capture's trees; a new capture or stream only swaps which one is shown.
  if (!view.pinned && (view.built_from != capture || view.built_stream != view.stream)) {
    view.built_from = capture;
    view.tree = data.trees[static_cast<std::size_t>(measure_of(view.stream))];
    view.built_stream = view.stream;
    view.flame.has_view = false;
    view.flame.picked = -1;
    // The frame already named (typed, or picked before) is outlined in the
    // new tree, where it is widest (it may sit on several paths).
    const FlameTree& tree = view.shown_tree();
    for (std::size_t i = 1; i < tree.nodes.size() && !state.play.profile.hot_frame.empty(); ++i)
      if (tree.nodes[i].name == state.play.profile.hot_frame &&
          (view.flame.picked < 0 || tree.nodes[i].total > tree.nodes[static_cast<std::size_t>(view.flame.picked)].total))
        view.flame.picked = static_cast<int>(i);
  }
  const FlameTree& tree = view.shown_tree();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                     "click a frame to zoom and pick it, wheel to zoom, drag to pan, Ctrl+F to search, Esc to zoom out");
  const float height = std::max(220.0f, ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing() * 5.0f);
  if (draw_flame_graph("flame", tree, view.flame, flame_unit(view.stream), height) && view.flame.picked >= 0)
    state.play.profile.hot_frame = tree.nodes[static_cast<std::size_t>(view.flame.picked)].name;
  mark_control("profile.flame");
}

void draw_trace_stream(AppState& state, const std::shared_ptr<const ProfileData>& capture) {
  ProfileView& view = state.profile;
  const ProfileData& data = *capture;
  const Capture& c = data.capture;
  if (c.slow_traces.empty() || c.endpoint < 0) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "No sampled traces of %s in this window.",
                       data.request.window.endpoint.c_str());
    mark_control("profile.no_traces");
    return;
  }
  view.trace = std::clamp(view.trace, 0, static_cast<int>(c.slow_traces.size()) - 1);
  char label[96];
  auto trace_label = [&](int i) {
    const Trace& t = c.slow_traces[static_cast<std::size_t>(i)];
    std::snprintf(label, sizeof label, "#%d  %.0f ms at %s%s", i + 1, static_cast<double>(t.duration) / 1e6,
                  clock_text(ns_to_s(static_cast<double>(t.start))).c_str(), t.error ? "  (error)" : "");
    return label;
  };
  ImGui::SetNextItemWidth(320);
  if (ImGui::BeginCombo("Slow trace", trace_label(view.trace))) {
    for (int i = 0; i < static_cast<int>(c.slow_traces.size()); ++i)
      if (ImGui::Selectable(trace_label(i), i == view.trace)) view.trace = i;
    ImGui::EndCombo();
  }
  mark_control("profile.trace");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The slowest requests the tail sampler kept in your window");
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                     "ghost bars: each span's mean before the onset; accent: the critical path");
  if (view.waterfall_from != capture || view.waterfall_trace != view.trace) {
    const auto& spans = c.symbols.endpoints()[static_cast<std::size_t>(c.endpoint)].spans;
    std::vector<double> ghosts(spans.size());
    for (std::size_t s = 0; s < spans.size(); ++s) ghosts[s] = c.span_baseline_ms(s);
    view.waterfall = build_waterfall(c.slow_traces[static_cast<std::size_t>(view.trace)], spans, ghosts);
    view.waterfall_from = capture;
    view.waterfall_trace = view.trace;
    view.picked_span = -1;
    // The span already named stays outlined on the trace now shown.
    for (std::size_t i = 0; i < view.waterfall.rows.size(); ++i)
      if (view.waterfall.rows[i].name == state.play.profile.hot_frame) {
        view.picked_span = static_cast<int>(i);
        break;
      }
  }
  const WaterfallTrace& trace = view.waterfall;
  if (draw_waterfall("waterfall", trace, &view.picked_span) && view.picked_span >= 0 &&
      view.picked_span < static_cast<int>(trace.rows.size()))
    state.play.profile.hot_frame = trace.rows[static_cast<std::size_t>(view.picked_span)].name;
  mark_control("profile.waterfall");
}

void bar_row(const char* name, double value, double largest, const char* unit, ImU32 colour_of_bar) {
  ImGui::TextUnformatted(name);
  ImGui::SameLine(190);
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float width = std::max(40.0f, ImGui::GetContentRegionAvail().x - 130.0f);
  const float filled = largest > 0 ? static_cast<float>(value / largest) * width : 0.0f;
  ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + filled, at.y + ImGui::GetTextLineHeight()), colour_of_bar);
  ImGui::Dummy(ImVec2(width, ImGui::GetTextLineHeight()));
  ImGui::SameLine();
  ImGui::PushFont(mono_font());
  ImGui::Text("%8.1f %s", value, unit);
  ImGui::PopFont();
}

void draw_bundle_stream(const ProfileData& data) {
  const ClientSpec& c = data.capture.client;
  if (!c.enabled || c.bundle_kb <= 0) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                       "%s serves no page: it has no client bundle.", data.request.window.endpoint.c_str());
    mark_control("profile.no_bundle");
    return;
  }
  // Median-user figures from the model's parameters: the spread across users
  // and devices is in the RUM chart on Observe.
  const double download_ms = c.bundle_kb * 8.0 / c.bandwidth_mbps;
  const double parse_ms = c.bundle_kb * c.parse_compile_ms_per_kb;
  ImGui::Text("Route %s: %.0f KB of JavaScript in the middle of the window", c.route.c_str(), c.bundle_kb);
  mark_control("profile.bundle");
  section_title("Cost for a typical user (ms)");
  const double largest = std::max({c.ttfb_ms, download_ms, parse_ms, c.execute_ms});
  bar_row("document first byte", c.ttfb_ms, largest, "ms", colour::kMuted);
  bar_row("download", download_ms, largest, "ms", colour::kP50);
  bar_row("parse + compile", parse_ms, largest, "ms", colour::kP99);
  bar_row("execute", c.execute_ms, largest, "ms", colour::kDeploy);
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                     "at %.0f Mbit/s and %.3f ms of parse and compile per KB", c.bandwidth_mbps, c.parse_compile_ms_per_kb);
  if (!c.modules.empty()) {
    section_title("Modules by size (KB), with their parse and execute cost (ms)");
    double biggest = 0;
    for (const auto& m : c.modules) biggest = std::max(biggest, m.kb);
    if (ImGui::BeginTable("modules", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH)) {
      ImGui::TableSetupColumn("module");
      ImGui::TableSetupColumn("size (KB)");
      ImGui::TableSetupColumn("parse + compile (ms)");
      ImGui::TableSetupColumn("execute (ms)");
      ImGui::TableHeadersRow();
      for (const auto& m : c.modules) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(m.name.c_str());
        ImGui::TableNextColumn();
        const ImVec2 at = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddRectFilled(
            at, ImVec2(at.x + static_cast<float>(m.kb / biggest) * 120.0f, at.y + ImGui::GetTextLineHeight()), colour::kGrid);
        ImGui::Text("%.0f", m.kb);
        ImGui::TableNextColumn();
        ImGui::Text("%.1f", m.kb * c.parse_compile_ms_per_kb);
        ImGui::TableNextColumn();
        ImGui::Text("%.1f", m.execute_ms);
      }
      ImGui::EndTable();
    }
  }
}

}  // namespace

const char* flame_unit(const std::string& stream) {
  if (stream == "alloc") return "bytes";
  if (stream == "offcpu" || stream == "mutex") return "ns waiting";
  return "samples";
}

void draw_profile_step(AppState& state) {
  ProfileAnswer& answer = state.play.profile;
  ProfileView& view = state.profile;
  ensure_window(state);
  ImGui::Text("Profile: where does the time go while the problem is live?");
  draw_coach(state, LoopStep::Profile);

  bool any_shown = false, current_shown = false;
  for (const StreamTab& tab : kStreams) {
    any_shown = any_shown || stream_shown(state, tab);
    current_shown = current_shown || (stream_shown(state, tab) && view.stream == tab.id);
  }
  if (!current_shown)
    for (const StreamTab& tab : kStreams)
      if (stream_shown(state, tab)) {
        view.stream = tab.id;
        answer.stream = tab.answer;
        break;
      }
  for (const StreamTab& tab : kStreams) {
    if (!stream_shown(state, tab)) continue;
    if (ImGui::RadioButton(tab.label, view.stream == tab.id)) {
      view.stream = tab.id;
      answer.stream = tab.answer;
    }
    mark_control(std::string("profile.stream.") + tab.id);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tab.tooltip);
    ImGui::SameLine();
  }
  if (answer.stream.empty()) answer.stream = "cpu";
  if (any_shown) {
    RunExportRequest request = export_request_for(state, view.stream == "trace" ? "trace" : "profile");
    request.stream = view.stream;
    request.endpoint = state.play.observe.endpoint;
    request.from_s = answer.from_s;
    request.to_s = answer.to_s;
    ImGui::SameLine(0, 24);
    draw_export_button(state, request,
                       state.game.active          ? "Not during a game day: the file would land your fixes at the playbook's times"
                       : view.stream == "bundle"  ? "The bundle view has no file format to export to"
                       : answer.to_s <= answer.from_s ? "The window must end after it starts"
                                                  : nullptr);
  } else {
    ImGui::NewLine();
  }

  // The window: typed, or dragged on Observe's charts.
  ImGui::SetNextItemWidth(110);
  ImGui::InputDouble("From (s)", &answer.from_s, 10.0, 60.0, "%.0f");
  mark_control("profile.from");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Start of the capture, seconds since the run began (%s)", clock_text(answer.from_s).c_str());
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  ImGui::InputDouble("To (s)", &answer.to_s, 10.0, 60.0, "%.0f");
  mark_control("profile.to");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("End of the capture (%s)", clock_text(answer.to_s).c_str());
  answer.from_s = std::max(0.0, answer.from_s);
  if (capture_end(state) > 0) answer.to_s = std::min(answer.to_s, capture_end(state));
  if (!any_shown) {
    ImGui::TextWrapped("This game has no profiles or traces. Name the frame or span you suspect from the metrics and "
                       "the log, and commit.");
    char guess[160];
    std::snprintf(guess, sizeof guess, "%s", answer.hot_frame.c_str());
    if (ImGui::InputText("Hot frame or span", guess, sizeof guess)) answer.hot_frame = guess;
    mark_control("profile.hot_frame");
    commit_button(state, LoopStep::Profile, "Done: go to Classify",
                  answer.to_s <= answer.from_s ? "The window must end after it starts"
                  : answer.hot_frame.empty()   ? "Name a frame or span first"
                                               : nullptr);
    return;
  }

  if (!state.view.ready) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Preparing the scenario: %s...",
                       state.view.busy.c_str());
    return;
  }
  const double onset = onset_of(state);
  const double length = answer.to_s - answer.from_s;
  ProfileRequest request;
  request.fixes = fixes_before(state.play, state.view.build.get());
  request.window = capture_window_for(state.play.observe.endpoint, answer.from_s, answer.to_s, onset);
  if (length > 0) state.session.request_profile(request);
  const std::shared_ptr<const ProfileData>& data = state.view.profile;
  ImGui::SameLine(0, 24);
  if (data && data->request == request)
    ImGui::Text("%s, %llu requests in %.0f s; diff baseline %s to %s", request.window.endpoint.c_str(),
                static_cast<unsigned long long>(data->capture.requests), length,
                clock_text(request.window.base_from_s).c_str(), clock_text(request.window.base_to_s).c_str());
  else
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "capturing...");

  const float answer_height = ImGui::GetFrameHeightWithSpacing() * 3.2f;
  ImGui::BeginChild("stream", ImVec2(0, -answer_height), false);
  if (data) {
    if (view.stream == "trace") draw_trace_stream(state, data);
    else if (view.stream == "bundle") draw_bundle_stream(*data);
    else draw_flame_stream(state, data);
  }
  ImGui::EndChild();

  ImGui::SetNextItemWidth(340);
  char frame[160];
  std::snprintf(frame, sizeof frame, "%s", answer.hot_frame.c_str());
  if (ImGui::InputText("Hot frame or span", frame, sizeof frame)) answer.hot_frame = frame;
  mark_control("profile.hot_frame");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Click a frame in a flame graph or a span in a waterfall, or type its name");
  ImGui::SameLine(0, 20);
  commit_button(state, LoopStep::Profile, "Done: go to Classify",
                length <= 0                  ? "The window must end after it starts"
                : answer.hot_frame.empty()   ? "Pick the hot frame or span first"
                                             : nullptr);
}

}  // namespace perfloop::ui
