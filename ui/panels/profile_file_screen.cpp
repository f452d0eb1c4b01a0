// A profile from outside (gui --profile FILE): the team's own pprof,
// speedscope or folded file in the app's flame graph, with zoom, search, a
// diff against a second file, the widest frames, and what the frame names
// suggest, kept folded away: a hint to question, not the answer.
#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "sim/interop/import_error.h"
#include "sim/interop/profile_import.h"
#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

std::string open_profile_file(AppState& state, const std::string& path, const std::string& against_path) {
  ProfileFileView& v = state.profile_file;
  try {
    ImportedProfile main = import_profile_file(path);
    v.path = path;
    v.format = format_name(main.format);
    v.profile = std::make_shared<StackProfile>(std::move(main.profile));
    v.column = v.profile->default_type;
    if (!against_path.empty()) {
      ImportedProfile other = import_profile_file(against_path);
      v.against_path = against_path;
      v.against_format = format_name(other.format);
      v.against = std::make_shared<const StackProfile>(std::move(other.profile));
    }
  } catch (const ImportError& e) {
    return e.what();
  }
  state.screen = Screen::ProfileFile;
  return {};
}

namespace {

const char* unit_label(const std::string& unit) { return unit == "count" ? "samples" : unit.c_str(); }

// A column's total as a reader would say it: 5.13 s, 212 MiB, 51,300 samples.
std::string total_text(double v, const std::string& unit) {
  char text[64];
  if (unit == "nanoseconds") std::snprintf(text, sizeof text, v >= 1e9 ? "%.2f s" : "%.1f ms", v >= 1e9 ? v / 1e9 : v / 1e6);
  else if (unit == "bytes") std::snprintf(text, sizeof text, "%.1f MiB", v / (1024.0 * 1024.0));
  else std::snprintf(text, sizeof text, "%.0f %s", v, unit_label(unit));
  return text;
}

void rebuild(ProfileFileView& v) {
  StackProfile& p = *v.profile;
  const std::size_t c = v.column;
  std::vector<double> baseline;
  if (v.against) baseline = align_column(p, *v.against, matching_column(*v.against, p.types[c]));
  std::vector<double> values = p.values[c];
  values.resize(p.symbols.stack_count(), 0.0);
  v.tree = std::make_shared<const FlameTree>(build_flame_tree(p.symbols, values, v.against ? &baseline : nullptr));
  v.tree_column = c;
  v.flame.has_view = false;
  v.flame.picked = -1;
  v.flame.diff = v.against != nullptr;
  v.hints = family_hints(p, c);
  v.top_self = frame_weights(p, c);
  std::sort(v.top_self.begin(), v.top_self.end(), [](const FrameWeight& a, const FrameWeight& b) {
    return a.self != b.self ? a.self > b.self : a.frame < b.frame;
  });
  if (v.top_self.size() > 8) v.top_self.resize(8);
}

}  // namespace

void draw_profile_file_screen(AppState& state) {
  ProfileFileView& v = state.profile_file;
  if (!v.profile) return;
  const StackProfile& p = *v.profile;
  if (v.tree_column != v.column) rebuild(v);
  ImGui::Text("Profile %s (%s)", v.path.c_str(), v.format.c_str());
  if (v.against) {
    ImGui::SameLine(0, 16);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "against %s (%s)", v.against_path.c_str(),
                       v.against_format.c_str());
  }
  if (p.types.size() > 1) {
    for (std::size_t i = 0; i < p.types.size(); ++i) {
      char label[160];
      std::snprintf(label, sizeof label, "%s (%s)##col%zu", p.types[i].type.c_str(), p.types[i].unit.c_str(), i);
      if (ImGui::RadioButton(label, v.column == i)) v.column = i;
      mark_control("profile_file.column." + std::to_string(i));
      ImGui::SameLine();
    }
    ImGui::NewLine();
  }
  const ValueType& type = p.types[v.column];
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                     "%s: %s in all, %zu frames. Click a frame to zoom, wheel to zoom, drag to pan, Ctrl+F to "
                     "search, Esc to zoom out%s",
                     type.type.c_str(), total_text(p.total(v.column), type.unit).c_str(), p.symbols.frame_count(),
                     v.against ? "; colours: growth against the second file" : "");
  const float below = ImGui::GetFrameHeightWithSpacing() * 6.5f;
  const float height = std::max(220.0f, ImGui::GetContentRegionAvail().y - below);
  if (draw_flame_graph("imported", *v.tree, v.flame, unit_label(type.unit), height) && v.flame.picked >= 0)
    v.picked = v.tree->nodes[static_cast<std::size_t>(v.flame.picked)].name;
  mark_control("profile_file.flame");

  // The widest frames by self share, two columns of four.
  ImGui::Text("Widest by self, share of %s:", type.type.c_str());
  if (ImGui::BeginTable("top", 4, ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("self", ImGuiTableColumnFlags_WidthFixed, 60.0f);
    ImGui::TableSetupColumn("frame", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("self2", ImGuiTableColumnFlags_WidthFixed, 60.0f);
    ImGui::TableSetupColumn("frame2", ImGuiTableColumnFlags_WidthStretch);
    for (std::size_t i = 0; i < v.top_self.size(); ++i) {
      ImGui::TableNextColumn();
      ImGui::Text("%5.1f%%", 100.0 * v.top_self[i].self);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(v.top_self[i].frame.c_str());
    }
    ImGui::EndTable();
  }
  // Closed until asked: reading the shape yourself is the exercise.
  if (ImGui::CollapsingHeader("What the frame names suggest (a hint, not a verdict)")) {
    if (v.hints.empty()) ImGui::TextWrapped("No frame name here points at a family: read the widest frames and their callers.");
    for (const FamilyHint& h : v.hints) {
      ImGui::BulletText("%s: %.0f%% of %s under %s", h.family.c_str(), 100.0 * h.share, type.type.c_str(),
                        h.frames.empty() ? "" : h.frames.front().c_str());
      ImGui::SameLine();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%s", h.why.c_str());
    }
  }
  mark_control("profile_file.hints");
}

}  // namespace perfloop::ui
