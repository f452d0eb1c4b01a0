#include "ui/platform/theme.h"

#include <filesystem>

namespace perfloop::ui {

namespace {

ImFont* g_mono = nullptr;

ImFont* load(const char* path, float size) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return nullptr;
  return ImGui::GetIO().Fonts->AddFontFromFileTTF(path, size);
}

}  // namespace

void apply_theme(float scale) {
  ImGuiIO& io = ImGui::GetIO();
  const float size = 16.0f * scale;
  ImFont* text = load("/usr/share/fonts/opentype/inter/Inter-Regular.otf", size);
  if (!text) io.Fonts->AddFontDefault();
  g_mono = load("/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf", size - 1.0f);

  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 4.0f;
  style.FrameRounding = 3.0f;
  style.WindowPadding = ImVec2(12, 10);
  style.ItemSpacing = ImVec2(8, 6);
  ImVec4* c = style.Colors;
  // The window's background is the GL clear colour and child panels are
  // transparent: under a software renderer every full-window fill costs
  // milliseconds a frame, and it draws the same pixels the clear already did.
  c[ImGuiCol_WindowBg] = background_colour();
  c[ImGuiCol_ChildBg] = ImVec4(0.0f, 0.0f, 0.0f, 0.0f);
  c[ImGuiCol_Header] = ImVec4(0.22f, 0.30f, 0.42f, 1.0f);
  c[ImGuiCol_Button] = ImVec4(0.20f, 0.26f, 0.36f, 1.0f);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.26f, 0.34f, 0.48f, 1.0f);
  style.ScaleAllSizes(scale);
}

// RGB 28, 31, 36, a quarter step above each so that rounding and
// truncating to 8 bits agree: Mesa's software renderer does one or the
// other depending on how much of the window a clear covers, and a partial
// redraw must leave the same bytes as a whole one.
ImVec4 background_colour() {
  constexpr float step = 1.0f / 255.0f;
  return ImVec4(28.25f * step, 31.25f * step, 36.25f * step, 1.0f);
}

ImFont* mono_font() { return g_mono ? g_mono : ImGui::GetFont(); }

}  // namespace perfloop::ui
