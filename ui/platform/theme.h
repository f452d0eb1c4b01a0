// A calm dark theme, the fonts, and the colours the widgets share.
#pragma once

#include <imgui.h>

namespace perfloop::ui {

// Loads Inter (text) and JetBrains Mono (numbers) from the Debian font
// packages, falling back to ImGui's own font; sets colours and sizes.
void apply_theme(float scale);
ImVec4 background_colour();

// Fonts after apply_theme (the default font where a file was missing).
ImFont* mono_font();

namespace colour {
inline constexpr ImU32 kText = IM_COL32(220, 224, 232, 255);
inline constexpr ImU32 kMuted = IM_COL32(140, 148, 162, 255);
inline constexpr ImU32 kGrid = IM_COL32(60, 66, 78, 255);
inline constexpr ImU32 kP99 = IM_COL32(240, 150, 80, 255);
inline constexpr ImU32 kP50 = IM_COL32(110, 170, 240, 255);
inline constexpr ImU32 kSlo = IM_COL32(230, 80, 90, 255);
inline constexpr ImU32 kDeploy = IM_COL32(170, 130, 240, 255);
inline constexpr ImU32 kSelection = IM_COL32(110, 170, 240, 40);
inline constexpr ImU32 kGood = IM_COL32(100, 200, 130, 255);
inline constexpr ImU32 kWarn = IM_COL32(235, 190, 90, 255);
}  // namespace colour

}  // namespace perfloop::ui
