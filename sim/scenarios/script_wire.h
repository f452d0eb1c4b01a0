// The messages between perfloop and a child running a scenario script: a
// frame is a 32-bit length and that many bytes, the first of them the
// message's kind. Both ends are the same program image, so numbers go in the
// machine's own byte order. The reader trusts nothing: a child may die half
// way through a frame, or be something else altogether.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/scenarios/lua_sandbox.h"
#include "sim/engine/model.h"

namespace perfloop::wire {

enum Kind : std::uint8_t {
  kOpen = 'O',     // limits, seed, prelude, path, text, callable
  kCall = 'C',     // seed, params
  kValue = 'V',    // a LuaValue
  kFailure = 'F',  // a SandboxFailure
};

inline constexpr std::size_t kMaxFrame = std::size_t{256} << 20;
inline constexpr int kMaxDepth = 100;  // the sandbox's snapshot stops at 64 tables
// Values in one message: the sandbox's snapshot stops at 200,000. Each
// LuaValue is ~170 bytes in memory, so this also bounds what a message can
// make the reader allocate.
inline constexpr std::size_t kMaxValues = 250'000;

class Writer {
 public:
  explicit Writer(Kind kind) { out_.push_back(static_cast<char>(kind)); }
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { raw(&v, sizeof v); }
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  void i64(std::int64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void text(std::string_view v);
  void value(const LuaValue& v);
  void failure(const SandboxFailure& f);
  void limits(const SandboxLimits& l);
  void params(const ParamValues& p);
  const std::string& bytes() const { return out_; }

 private:
  void raw(const void* data, std::size_t size) { out_.append(static_cast<const char*>(data), size); }
  std::string out_;
};

// Reads one message; every read fails (returns false, and stays failed)
// rather than run past the end.
class Reader {
 public:
  explicit Reader(std::string_view frame) : at_(frame.data()), end_(frame.data() + frame.size()) {}
  bool u8(std::uint8_t& v) { return raw(&v, sizeof v); }
  bool u32(std::uint32_t& v) { return raw(&v, sizeof v); }
  bool u64(std::uint64_t& v) { return raw(&v, sizeof v); }
  bool i64(std::int64_t& v) { return raw(&v, sizeof v); }
  bool f64(double& v) { return raw(&v, sizeof v); }
  bool text(std::string& v);
  bool value(LuaValue& v, int depth = 0);
  bool failure(SandboxFailure& f);
  bool limits(SandboxLimits& l);
  bool params(ParamValues& p);
  bool done() const { return ok_ && at_ == end_; }

 private:
  bool raw(void* data, std::size_t size);
  const char* at_;
  const char* end_;
  bool ok_ = true;
  std::size_t values_left_ = kMaxValues;
};

// Whole frames over a stream socket, each way until `deadline` (none: for
// ever). send_frame never raises SIGPIPE, and a peer that stops reading
// cannot hold it past the deadline.
enum class Sent { Done, TimedOut, Broken };
Sent send_frame(int fd, const std::string& payload,
                std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);
enum class Received { Frame, Closed, TimedOut, Broken };
// Waits until `deadline` (none: for ever) for one frame.
Received receive_frame(int fd, std::optional<std::chrono::steady_clock::time_point> deadline, std::string& payload);

}  // namespace perfloop::wire
