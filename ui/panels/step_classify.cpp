// Classify: which family of bottleneck is this? The eight families with a
// line each on what they look like in the data, and the capture's flame
// graph again, where clicking a frame changes the hot frame picked at Profile.
#include <imgui.h>

#include <algorithm>

#include "sim/engine/model.h"
#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

// What each family looks like in the signals, in the product's own words.
const char* family_line(const std::string& family) {
  if (family == "cpu-algorithmic") return "CPU-bound: one function's self time grows with the input (a loop inside a loop, a bad data structure).";
  if (family == "allocation-bound") return "Allocation-bound: malloc and the garbage collector (mallocgc, scanobject) take a large share of CPU.";
  if (family == "cache-bound") return "Cache-bound: the same work, slower per item: pointer chasing and scattered memory, not more instructions.";
  if (family == "lock-bound") return "Lock-bound: requests wait for a mutex; off-CPU time in lock waits, cores idle under load.";
  if (family == "io-n-plus-1") return "I/O, N+1: many sequential round trips per request, queries per request rising with the data.";
  if (family == "syscall-bound") return "Syscall-bound: many small reads, writes or syncs; kernel time and per-call overhead dominate.";
  if (family == "jit-deopt") return "JIT deoptimisation: code falls off the fast path after a type or shape change; same work, more CPU.";
  if (family == "bundle-bound") return "Bundle-bound: the browser downloads, parses and runs too much JavaScript before the page paints.";
  return "";
}

void draw_classify_step(AppState& state) {
  ClassifyAnswer& answer = state.play.classify;
  ImGui::Text("Classify: what kind of bottleneck is it? Pick one family, or two when both are at work.");
  draw_coach(state, LoopStep::Classify);
  section_title("Families");
  for (const char* family : kFamilies) {
    const auto it = std::find(answer.families.begin(), answer.families.end(), family);
    bool on = it != answer.families.end();
    if (ImGui::Checkbox(family, &on)) {
      if (on) answer.families.push_back(family);
      else answer.families.erase(it);
    }
    mark_control(std::string("classify.") + family);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", family_line(family));
    ImGui::SameLine(200);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(colour::kMuted));
    ImGui::TextUnformatted(family_line(family));
    ImGui::PopStyleColor();
  }

  // The hot frame, as picked at Profile: clicking another frame here changes it.
  auto& committed = state.play.answers.bottlenecks;
  ProfileAnswer* profile = state.play.bottleneck < committed.size() && committed[state.play.bottleneck].profile
                               ? &*committed[state.play.bottleneck].profile
                               : nullptr;
  section_title("Hot spot");
  ImGui::Text("Picked at Profile: %s", profile && !profile->hot_frame.empty() ? profile->hot_frame.c_str() : "(none)");
  ProfileView& view = state.profile;
  const FlameTree& tree = view.shown_tree();
  if (profile && !tree.nodes.empty() && view.built_stream != "trace" && view.built_stream != "bundle") {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Click a frame to pick another hot spot.");
    const float height = std::max(160.0f, ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing() * 3.0f);
    if (draw_flame_graph("classify_flame", tree, view.flame, flame_unit(view.built_stream), height) &&
        view.flame.picked >= 0) {
      profile->hot_frame = tree.nodes[static_cast<std::size_t>(view.flame.picked)].name;
      state.play.profile.hot_frame = profile->hot_frame;
      answers_changed(state.play);
    }
    mark_control("classify.flame");
  }
  commit_button(state, LoopStep::Classify, "Done: go to Predict",
                answer.families.empty()      ? "Pick at least one family"
                : answer.families.size() > 2 ? "Pick at most two families"
                                             : nullptr);
}

}  // namespace perfloop::ui
