// `perfloop gui`: the app's entry point, and its screenshot mode for the
// README's pictures and the tests.
#pragma once

#include <cstdint>
#include <string>

namespace perfloop::ui {

struct GuiOptions {
  std::string scenario = "checkout-inventory-payload";
  std::string step = "observe";
  std::string screenshot;  // write this PNG once the run is finished, then exit
  int width = 1600, height = 900;
  std::uint64_t seed = 1;
};

// Exit status: 0, or 2 with one line on stderr (no display, bad scenario or step).
int run_gui(const GuiOptions& options);

}  // namespace perfloop::ui
