// The app's side of interop, drawn headless with real clicks: Profile's
// Export button writes a file with the shares its flame graph shows, and
// gui --profile opens a file from outside in the same flame graph.
#include <catch2/catch.hpp>
#include <imgui.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "headless_imgui.h"
#include "sim/interop/profile_import.h"
#include "ui/core/play_state.h"

using namespace perfloop;
using namespace perfloop::ui;

namespace {

std::map<std::string, double> shares_by_path(const FlameTree& tree) {
  std::map<std::string, double> out;
  std::vector<std::string> path(tree.nodes.size());
  for (std::size_t i = 0; i < tree.nodes.size(); ++i) {
    const auto& n = tree.nodes[i];
    path[i] = n.parent < 0 ? n.name : path[static_cast<std::size_t>(n.parent)] + ";" + n.name;
    out[path[i]] = tree.share(static_cast<int>(i));
  }
  return out;
}

std::string temp_dir(const char* name) {
  const auto dir = std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace

TEST_CASE("Profile's Export button writes the flame graph it shows", "[panels][interop]") {
  HeadlessImGui imgui;
  AppState state;
  open_scenario(state, "cpu-quadratic-loop");
  state.session.wait_idle();
  state.session.request_expert("cpu-quadratic-loop");
  state.session.wait_idle();
  SessionView view = state.session.view();
  REQUIRE(view.expert);
  start_play(state.play, "cpu-quadratic-loop", view.build->bottlenecks.size());
  replay_answers(state.play, *view.expert, LoopStep::Profile);
  state.step = LoopStep::Profile;
  state.profile.stream = "alloc";  // not the default stream: the file must follow the view
  imgui.settle(state);
  const FlameTree& shown = state.profile.shown_tree();
  REQUIRE(shown.total() > 0);

  REQUIRE(has_control("export.open"));
  imgui.click(state, "export.open");
  imgui.frame(state);
  INFO(state.export_state.what << " " << state.export_state.path);
  REQUIRE(has_control("export.format.speedscope"));
  imgui.click(state, "export.format.speedscope");
  CHECK(state.export_state.path.find("profile-alloc-") != std::string::npos);
  CHECK(state.export_state.path.find("cpu-quadratic") == std::string::npos);  // the name gives nothing away
  const std::string file = temp_dir("perfloop-export-button") + "/alloc.speedscope.json";
  state.export_state.path = file;
  imgui.click(state, "export.write");
  state.export_state.task.wait();
  imgui.frame(state);
  INFO(state.export_state.status);
  CHECK_FALSE(state.export_state.failed);
  CHECK(state.export_state.status.rfind("Wrote " + file + ": alloc profile of ", 0) == 0);

  const ImportedProfile imported = import_profile_file(file);
  CHECK(imported.format == ProfileFormat::Speedscope);
  const StackProfile& p = imported.profile;
  std::vector<double> values = p.values[p.default_type];
  values.resize(p.symbols.stack_count(), 0.0);
  const auto app = shares_by_path(shown);
  const auto back = shares_by_path(build_flame_tree(p.symbols, values));
  REQUIRE(app.size() == back.size());
  for (const auto& [path, share] : app) {
    INFO(path);
    REQUIRE(back.count(path) == 1);
    CHECK(back.at(path) == Approx(share).margin(1e-12));
  }
  std::filesystem::remove_all(std::filesystem::path(file).parent_path());
}

TEST_CASE("gui --profile shows a file from outside, with a diff against a second", "[panels][interop]") {
  const std::string dir = temp_dir("perfloop-profile-file");
  std::ofstream(dir + "/now.folded") << "main;handle;runtime.mallocgc 60\nmain;handle;encode 30\nmain;idle 10\n";
  std::ofstream(dir + "/before.folded") << "main;handle;runtime.mallocgc 20\nmain;handle;encode 30\nmain;idle 50\n";
  std::ofstream(dir + "/broken.folded") << "main;handle 3\nmain;oops\n";
  HeadlessImGui imgui;
  AppState state;
  CHECK(open_profile_file(state, dir + "/broken.folded", "") == dir + "/broken.folded (folded): line 2: expected "
                                                                   "'frame;frame;...;leaf COUNT' (a path, one space, a whole number)");
  CHECK(state.screen != Screen::ProfileFile);
  REQUIRE(open_profile_file(state, dir + "/now.folded", dir + "/before.folded").empty());
  CHECK(state.screen == Screen::ProfileFile);
  imgui.settle(state);
  REQUIRE(has_control("profile_file.flame"));
  REQUIRE(state.profile_file.tree);
  const FlameTree& tree = *state.profile_file.tree;
  CHECK(tree.total() == 100);
  CHECK(state.profile_file.flame.diff);
  for (std::size_t i = 0; i < tree.nodes.size(); ++i)
    if (tree.nodes[i].name == "runtime.mallocgc") {
      CHECK(tree.share(static_cast<int>(i)) == Approx(0.6));
      CHECK(tree.growth(static_cast<int>(i)) == Approx(0.4));  // 60% now, 20% before
    }
  REQUIRE_FALSE(state.profile_file.hints.empty());
  CHECK(state.profile_file.hints[0].family == "allocation-bound");
  CHECK(state.profile_file.top_self.at(0).frame == "runtime.mallocgc");
  std::filesystem::remove_all(dir);
}
