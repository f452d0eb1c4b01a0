// Drives the real app on a private Xvfb display by real input (xdotool),
// for the end-to-end tests: the display, the app as a child process, and a
// driver that reads where the app's named controls are (--control-map).
#pragma once

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_image.h"

namespace perfloop::test::e2e {

namespace fs = std::filesystem;
using perfloop::test::Image;

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
};

inline void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// A child process, killed if the test leaves early.
struct Child {
  pid_t pid = -1;
  ~Child() { stop(); }
  void stop() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
  // False once it has ended (and is reaped).
  bool running() {
    if (pid <= 0) return false;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != pid) return true;
    pid = -1;
    return false;
  }
  // Exit status once it ends within `seconds`; -1 if it did not.
  int wait_exit(int seconds) {
    for (int i = 0; i < seconds * 10; ++i) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
      }
      sleep_ms(100);
    }
    return -1;
  }
};

// Xvfb on the first free display, which it reports through -displayfd.
inline int start_xvfb(Child& xvfb) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  xvfb.pid = ::fork();
  REQUIRE(xvfb.pid >= 0);
  if (xvfb.pid == 0) {
    ::close(fds[0]);
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 2);
    const std::string fd = std::to_string(fds[1]);
    ::execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1600x900x24", "-nolisten", "tcp", nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string number;
  pollfd p{fds[0], POLLIN, 0};
  while (::poll(&p, 1, 15000) > 0) {
    char c = 0;
    if (::read(fds[0], &c, 1) != 1 || c == '\n') break;
    number += c;
  }
  ::close(fds[0]);
  REQUIRE_FALSE(number.empty());
  return std::stoi(number);
}

class Driver {
 public:
  Driver(int display, std::string map_path) : display_(std::string(":").append(std::to_string(display))), map_path_(std::move(map_path)) {}

  std::string xdotool(const std::string& args) const {
    const std::string command = "DISPLAY=" + display_ + " xdotool " + args + " 2>/dev/null";
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
      char buffer[256];
      while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
      ::pclose(pipe);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }

  // The app's window, while `app` runs (it may give up on the display and exit).
  bool find_window(Child& app) {
    for (int i = 0; i < 150 && window_.empty() && app.running(); ++i) {
      window_ = xdotool("search --name '^perfloop$'");
      if (window_.find('\n') != std::string::npos) window_ = window_.substr(0, window_.find('\n'));
      if (window_.empty()) sleep_ms(200);
    }
    return !window_.empty();
  }

  std::map<std::string, Rect> controls() const {
    std::map<std::string, Rect> out;
    std::ifstream in(map_path_);
    if (!in) return out;
    const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
    if (!doc.is_object()) return out;
    for (const auto& [name, r] : doc.items()) out[name] = {r.value("x", 0), r.value("y", 0), r.value("w", 0), r.value("h", 0)};
    return out;
  }

  bool wait_for(const std::string& name, int seconds = 60) const {
    for (int i = 0; i < seconds * 10; ++i) {
      if (controls().count(name)) return true;
      sleep_ms(100);
    }
    return false;
  }

  // Waits up to `seconds` for the control to leave the screen (its panel closed).
  bool wait_gone(const std::string& name, int seconds = 60) const {
    for (int i = 0; i < seconds * 10; ++i) {
      if (!controls().count(name)) return true;
      sleep_ms(100);
    }
    return false;
  }

  bool has_prefix(const std::string& prefix) const {
    for (const auto& [name, r] : controls())
      if (name.compare(0, prefix.size(), prefix) == 0) return true;
    return false;
  }

  // Where the control is once the layout has stopped moving (a capture
  // arriving pushes the controls below it down).
  Rect settled(const std::string& name) const {
    INFO("control " << name);
    Rect last{-1, -1, -1, -1};
    for (int i = 0; i < 50; ++i) {
      const auto all = controls();
      const auto it = all.find(name);
      REQUIRE((it != all.end() || i < 49));
      if (it != all.end()) {
        const Rect& r = it->second;
        if (r.x == last.x && r.y == last.y && r.w == last.w && r.h == last.h) return r;
        last = r;
      }
      sleep_ms(150);
    }
    return last;
  }

  // Moves to the control's centre (one frame to hover), then clicks.
  // Presses a button until its panel closes (a greyed-out button ignores
  // presses; a press can miss while the layout is still moving).
  bool press_until_gone(const std::string& name, int attempts = 120) {
    for (int i = 0; i < attempts; ++i) {
      if (!controls().count(name)) return true;
      click(name);
      if (wait_gone(name, 1)) return true;
    }
    return false;
  }

  void click(const std::string& name) {
    const Rect r = settled(name);
    move_to(r.x + r.w / 2, r.y + r.h / 2);
    xdotool("click 1");
    sleep_ms(250);
  }

  void move_to(int x, int y) {
    xdotool("mousemove --window " + window_ + " " + std::to_string(x) + " " + std::to_string(y));
    sleep_ms(150);
  }

  // Clicks a text field near its left edge (right of it sit +/- buttons and
  // the label), replaces what it holds and confirms with Return.
  void type_into(const std::string& name, const std::string& text) {
    const Rect r = settled(name);
    move_to(r.x + std::min(30, r.w / 4), r.y + r.h / 2);
    xdotool("click 1");
    sleep_ms(200);
    key("ctrl+a");
    xdotool("type --delay 30 '" + text + "'");
    key("Return");
  }

  // Held for a tenth of a second, as a hand would: ImGui 1.86 reads key
  // state once per frame, so a press and release inside one frame is lost.
  void key(const std::string& keys) {
    xdotool("keydown " + keys);
    sleep_ms(100);
    xdotool("keyup " + keys);
    sleep_ms(200);
  }

 private:
  std::string display_, map_path_;
  std::string window_;
};

inline int distinct_colours(const Image& img) {
  std::set<int> colours;
  for (std::size_t i = 0; i + 2 < img.rgb.size(); i += 9)
    colours.insert((img.rgb[i] >> 3) << 10 | (img.rgb[i + 1] >> 3) << 5 | (img.rgb[i + 2] >> 3));
  return static_cast<int>(colours.size());
}

inline int pixels_near(const Image& img, int r, int g, int b) { return perfloop::test::count_near(img, 0, 0, img.width, img.height, r, g, b); }

// The newest F12 screenshot in `dir` whose name starts with `prefix`.
// PERFLOOP_E2E_SHOTS=DIR keeps a test's pictures under `name` (the README's are made so).
inline void keep_shot(const std::string& png, const char* name) {
  if (const char* keep = std::getenv("PERFLOOP_E2E_SHOTS"); keep && *keep && !png.empty())
    fs::copy_file(png, fs::path(keep) / name, fs::copy_options::overwrite_existing);
}

inline std::string screenshot(const std::string& dir, const std::string& prefix) {
  for (int i = 0; i < 50; ++i) {
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().filename().string().rfind(prefix, 0) == 0) {
        sleep_ms(300);  // written in one go by stb, but let the close land
        return e.path().string();
      }
    sleep_ms(100);
  }
  return "";
}


// Starts `perfloop gui ARGS...` on the display, its output appended to
// work/app.log, and waits for its window. A fresh Xvfb has been seen to
// refuse the app's first connection on a busy CI machine ("cannot start
// GLFW", exit at once): the app is started again then, up to three times.
inline bool start_app(Child& app, Driver& ui, int display, const fs::path& work, const std::vector<std::string>& args) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    app.pid = ::fork();
    REQUIRE(app.pid >= 0);
    if (app.pid == 0) {
      ::setenv("DISPLAY", std::string(":").append(std::to_string(display)).c_str(), 1);
      const int log = ::open((work / "app.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);  // every attempt kept
      ::dup2(log, 1);
      ::dup2(log, 2);
      std::vector<char*> argv{const_cast<char*>(PERFLOOP_BINARY), const_cast<char*>("gui")};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(PERFLOOP_BINARY, argv.data());
      ::_exit(127);
    }
    if (ui.find_window(app)) return true;
    app.stop();
    sleep_ms(500);
  }
  return false;
}

}  // namespace perfloop::test::e2e
