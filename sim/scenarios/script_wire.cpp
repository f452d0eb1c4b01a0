#include "sim/scenarios/script_wire.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace perfloop::wire {

void Writer::text(std::string_view v) {
  u64(v.size());
  out_.append(v);
}

void Writer::value(const LuaValue& v) {
  u8(static_cast<std::uint8_t>(v.type));
  switch (v.type) {
    case LuaValue::Type::Nil:
    case LuaValue::Type::Function: break;
    case LuaValue::Type::Boolean: u8(v.boolean ? 1 : 0); break;
    case LuaValue::Type::Number:
      f64(v.number);
      u8(v.integer ? 1 : 0);
      break;
    case LuaValue::Type::String:
    case LuaValue::Type::Other: text(v.text); break;
    case LuaValue::Type::Table:
      i64(v.line);
      u64(v.fields.size());
      for (const LuaField& f : v.fields) {
        text(f.key);
        value(f.value);
      }
      u64(v.items.size());
      for (const LuaItem& item : v.items) {
        i64(item.index);
        value(item.value);
      }
      u64(v.odd_keys.size());
      for (const std::string& key : v.odd_keys) text(key);
      break;
  }
}

void Writer::failure(const SandboxFailure& f) {
  text(f.message);
  i64(f.line);
  text(f.traceback);
  u8(f.limit_exceeded ? 1 : 0);
}

void Writer::limits(const SandboxLimits& l) {
  u64(l.memory_bytes);
  u64(l.instructions);
  i64(l.wall_time.count());
  u64(l.total_instructions);
}

void Writer::params(const ParamValues& p) {
  u64(p.size());
  for (const auto& [name, value] : p) {
    text(name);
    f64(value);
  }
}

bool Reader::raw(void* data, std::size_t size) {
  if (!ok_ || static_cast<std::size_t>(end_ - at_) < size) return ok_ = false;
  std::memcpy(data, at_, size);
  at_ += size;
  return true;
}

bool Reader::text(std::string& v) {
  std::uint64_t size = 0;
  if (!u64(size) || size > static_cast<std::uint64_t>(end_ - at_)) return ok_ = false;
  v.assign(at_, static_cast<std::size_t>(size));
  at_ += size;
  return true;
}

bool Reader::value(LuaValue& v, int depth) {
  std::uint8_t type = 0;
  if (depth > kMaxDepth || values_left_ == 0 || !u8(type) || type > static_cast<std::uint8_t>(LuaValue::Type::Other))
    return ok_ = false;
  --values_left_;
  v = LuaValue{};
  v.type = static_cast<LuaValue::Type>(type);
  std::uint8_t flag = 0;
  switch (v.type) {
    case LuaValue::Type::Nil:
    case LuaValue::Type::Function: return true;
    case LuaValue::Type::Boolean:
      if (!u8(flag)) return false;
      v.boolean = flag != 0;
      return true;
    case LuaValue::Type::Number:
      if (!f64(v.number) || !u8(flag)) return false;
      v.integer = flag != 0;
      return true;
    case LuaValue::Type::String:
    case LuaValue::Type::Other: return text(v.text);
    case LuaValue::Type::Table: {
      std::int64_t line = 0;
      std::uint64_t count = 0;
      if (!i64(line) || !u64(count)) return false;
      v.line = static_cast<int>(line);
      // Each entry takes at least 9 bytes and is one value: a count larger
      // than either allows is a lie. Entries are added as they are read, so
      // a lie costs no memory up front.
      if (count > static_cast<std::uint64_t>(end_ - at_) / 9 || count > values_left_) return ok_ = false;
      for (std::uint64_t i = 0; i < count; ++i) {
        v.fields.emplace_back();
        if (!text(v.fields.back().key) || !value(v.fields.back().value, depth + 1)) return false;
      }
      if (!u64(count) || count > static_cast<std::uint64_t>(end_ - at_) / 9 || count > values_left_) return ok_ = false;
      for (std::uint64_t i = 0; i < count; ++i) {
        std::int64_t index = 0;
        v.items.emplace_back();
        if (!i64(index) || !value(v.items.back().value, depth + 1)) return false;
        v.items.back().index = index;
      }
      if (!u64(count) || count > static_cast<std::uint64_t>(end_ - at_) / 8 || count > values_left_) return ok_ = false;
      for (std::uint64_t i = 0; i < count; ++i) {
        v.odd_keys.emplace_back();
        if (!text(v.odd_keys.back())) return false;
      }
      return true;
    }
  }
  return ok_ = false;
}

bool Reader::failure(SandboxFailure& f) {
  std::int64_t line = 0;
  std::uint8_t limit = 0;
  if (!text(f.message) || !i64(line) || !text(f.traceback) || !u8(limit)) return false;
  f.line = static_cast<int>(line);
  f.limit_exceeded = limit != 0;
  return true;
}

bool Reader::limits(SandboxLimits& l) {
  std::uint64_t memory = 0, instructions = 0, total = 0;
  std::int64_t wall_ms = 0;
  if (!u64(memory) || !u64(instructions) || !i64(wall_ms) || !u64(total)) return false;
  l.memory_bytes = static_cast<std::size_t>(memory);
  l.instructions = instructions;
  l.wall_time = std::chrono::milliseconds(wall_ms);
  l.total_instructions = total;
  return true;
}

bool Reader::params(ParamValues& p) {
  std::uint64_t count = 0;
  if (!u64(count) || count > static_cast<std::uint64_t>(end_ - at_) / 16) return ok_ = false;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string name;
    double value = 0;
    if (!text(name) || !f64(value)) return false;
    p[name] = value;
  }
  return true;
}

namespace {

// Milliseconds to wait in poll() before `deadline`; -1 for none; 0 when it has passed.
int poll_wait(std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (!deadline) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count() + 1, 1 << 30));
}

Sent send_all(int fd, const char* data, std::size_t size, std::optional<std::chrono::steady_clock::time_point> deadline) {
  while (size > 0) {
    pollfd entry{fd, POLLOUT, 0};
    const int wait_ms = poll_wait(deadline);
    if (wait_ms == 0) return Sent::TimedOut;
    const int ready = ::poll(&entry, 1, wait_ms);
    if (ready < 0 && errno != EINTR) return Sent::Broken;
    if (ready <= 0) continue;  // the deadline is checked at the top
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return Sent::Broken;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return Sent::Done;
}

// Reads exactly `size` bytes. Closed: the peer closed before the first byte.
Received receive_all(int fd, std::optional<std::chrono::steady_clock::time_point> deadline, char* data,
                     std::size_t size, bool first) {
  std::size_t done = 0;
  while (done < size) {
    const int wait_ms = poll_wait(deadline);
    if (wait_ms == 0) return Received::TimedOut;
    pollfd entry{fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Received::Broken;
    }
    if (ready == 0) continue;  // the deadline is checked at the top
    const ssize_t n = ::recv(fd, data + done, size - done, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Received::Broken;
    }
    if (n == 0) return first && done == 0 ? Received::Closed : Received::Broken;
    done += static_cast<std::size_t>(n);
  }
  return Received::Frame;
}

}  // namespace

Sent send_frame(int fd, const std::string& payload, std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (payload.size() > kMaxFrame) return Sent::Broken;
  const auto length = static_cast<std::uint32_t>(payload.size());
  const Sent sent = send_all(fd, reinterpret_cast<const char*>(&length), sizeof length, deadline);
  return sent == Sent::Done ? send_all(fd, payload.data(), payload.size(), deadline) : sent;
}

Received receive_frame(int fd, std::optional<std::chrono::steady_clock::time_point> deadline, std::string& payload) {
  std::uint32_t length = 0;
  Received got = receive_all(fd, deadline, reinterpret_cast<char*>(&length), sizeof length, true);
  if (got != Received::Frame) return got;
  if (length == 0 || length > kMaxFrame) return Received::Broken;
  payload.resize(length);
  got = receive_all(fd, deadline, payload.data(), length, false);
  return got == Received::Closed ? Received::Broken : got;
}

}  // namespace perfloop::wire
