// Fuzzes the script host's wire reader (sim/script_wire.h): what perfloop
// reads from a child that may have died half way through a frame or been
// replaced by something hostile. The first byte picks the message, as at both
// ends of the socket: 'O' and 'C' are what the child reads, 'V' and 'F' what
// perfloop reads back. ASan catches a read past the frame. A count in the
// frame may lie, and a frame may be 256 MiB (kMaxFrame), so memory must
// follow the bytes actually there, not the counts: the target checks the
// entries a decoded value holds and the memory the Reader held on the way.
//
// Whatever decodes must encode and decode again to the same bytes: the two
// ends are one program, and a field the Writer and the Reader disagree on
// would pass every test that only reads what the Writer wrote.
//
// PERFLOOP_FUZZ_WRITE_SEEDS=DIR makes the target write a few valid messages
// to DIR and exit: the seeds in corpus/wire/ came from it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <sanitizer/allocator_interface.h>

#include "sim/scenarios/script_wire.h"
#include "tests/fuzz/fuzz_checks.h"

namespace wire = perfloop::wire;
using perfloop::fuzz::finding;

namespace {

// Memory the Reader holds while it decodes, at its peak: sanitizer hooks
// (libFuzzer's own -malloc_limit_mb hook chains with them). The free hook
// runs while the block is still allocated, so its size can be asked. One
// thread: plain variables do.
std::int64_t live = 0;
std::int64_t peak = 0;
bool counting = false;
void on_malloc(const volatile void*, std::size_t size) {
  if (!counting) return;
  live += static_cast<std::int64_t>(size);
  if (live > peak) peak = live;
}
void on_free(const volatile void* block) {
  if (counting) live -= static_cast<std::int64_t>(__sanitizer_get_allocated_size(const_cast<const void*>(block)));
}

// A table entry takes at least 9 bytes of frame and a LuaField 168 bytes of
// memory (19 per byte); strings cost what they hold. A vector grown by
// doubling holds up to three times its entries while it moves them (56 per
// byte); 64 per byte allows that, and is passed once four nested tables
// each take a count for the whole rest of the frame. The slack covers a
// short frame's fixed costs.
constexpr std::int64_t kBytesPerFrameByte = 64;
constexpr std::int64_t kSlackBytes = std::int64_t{1} << 10;

// Table entries in a decoded value, nested ones included, and how deep the
// tables go. A reader that adds entries as it reads them holds at most one
// per 8 bytes of frame, plus the one it is reading at each level when the
// frame ends; more means it made room for a count before the bytes behind
// it were there. Unlike the memory check, this holds whether or not the read
// succeeded, and catches a lie at two nested levels already.
struct Held {
  std::size_t entries = 0;
  std::size_t depth = 0;
};

Held held(const perfloop::LuaValue& v) {
  Held h{v.fields.size() + v.items.size() + v.odd_keys.size(), v.is_table() ? 1u : 0u};
  auto add = [&h](const perfloop::LuaValue& inner) {
    const Held in = held(inner);
    h.entries += in.entries;
    h.depth = std::max(h.depth, in.depth + 1);
  };
  for (const perfloop::LuaField& f : v.fields) add(f.value);
  for (const perfloop::LuaItem& item : v.items) add(item.value);
  return h;
}

template <typename T>
void check_entries(std::string_view, const T&) {}
void check_entries(std::string_view frame, const perfloop::LuaValue& decoded) {
  const Held h = held(decoded);
  if (h.entries > frame.size() / 8 + h.depth)
    finding("the reader made room for entries the frame does not hold",
            std::to_string(h.entries) + " entries, " + std::to_string(h.depth) + " deep, for a frame of " +
                std::to_string(frame.size()));
}

// An 'O' message: what the parent sends to open a script.
struct OpenRequest {
  perfloop::SandboxLimits limits;
  std::uint64_t seed = 0;
  std::string prelude, path, text, callable;
};

bool read_open(wire::Reader& in, OpenRequest& r) {
  return in.limits(r.limits) && in.u64(r.seed) && in.text(r.prelude) && in.text(r.path) && in.text(r.text) &&
         in.text(r.callable) && in.done();
}
void write_open(wire::Writer& out, const OpenRequest& r) {
  out.limits(r.limits);
  out.u64(r.seed);
  out.text(r.prelude);
  out.text(r.path);
  out.text(r.text);
  out.text(r.callable);
}

// A 'C' message: a call of the script's build function.
struct CallRequest {
  std::uint64_t seed = 0;
  perfloop::ParamValues params;
};

bool read_call(wire::Reader& in, CallRequest& r) { return in.u64(r.seed) && in.params(r.params) && in.done(); }
void write_call(wire::Writer& out, const CallRequest& r) {
  out.u64(r.seed);
  out.params(r.params);
}

bool read_value(wire::Reader& in, perfloop::LuaValue& v) { return in.value(v) && in.done(); }
void write_value(wire::Writer& out, const perfloop::LuaValue& v) { out.value(v); }

bool read_failure(wire::Reader& in, perfloop::SandboxFailure& f) { return in.failure(f) && in.done(); }
void write_failure(wire::Writer& out, const perfloop::SandboxFailure& f) { out.failure(f); }

// Decodes `frame` (kind byte first) into a T; when that works, checks that
// writing T and reading it back is stable.
template <typename T>
void check(std::string_view frame, wire::Kind kind, bool (*read)(wire::Reader&, T&),
           void (*write)(wire::Writer&, const T&)) {
  T decoded{};
  wire::Reader in(frame.substr(1));
  live = peak = 0;
  counting = true;
  const bool ok = read(in, decoded);
  counting = false;
  if (peak > kBytesPerFrameByte * static_cast<std::int64_t>(frame.size()) + kSlackBytes)
    finding("the reader held memory out of proportion to the frame",
            std::to_string(peak) + " bytes for a frame of " + std::to_string(frame.size()));
  check_entries(frame, decoded);
  if (!ok) return;
  wire::Writer first(kind);
  write(first, decoded);
  T again{};
  wire::Reader reread(std::string_view(first.bytes()).substr(1));
  if (!read(reread, again)) finding("the reader refuses what the writer wrote", first.bytes());
  wire::Writer second(kind);
  write(second, again);
  if (second.bytes() != first.bytes()) finding("a message changed on a write and a read", first.bytes());
}

void write_seed(const std::string& dir, const char* name, const wire::Writer& out) {
  std::ofstream(dir + "/" + name, std::ios::binary) << out.bytes();
}

// A handful of well-formed messages of every kind, nested tables included.
void write_seeds(const std::string& dir) {
  perfloop::LuaValue number;
  number.type = perfloop::LuaValue::Type::Number;
  number.number = 42;
  number.integer = true;
  perfloop::LuaValue text;
  text.type = perfloop::LuaValue::Type::String;
  text.text = "checkout";
  perfloop::LuaValue flag;
  flag.type = perfloop::LuaValue::Type::Boolean;
  flag.boolean = true;
  perfloop::LuaValue inner;
  inner.type = perfloop::LuaValue::Type::Table;
  inner.line = 7;
  inner.items = {{1, number}, {2, text}};
  perfloop::LuaValue table;
  table.type = perfloop::LuaValue::Type::Table;
  table.line = 3;
  table.fields = {{"id", text}, {"nested", inner}, {"on", flag}};
  table.items = {{1, flag}};
  table.odd_keys = {"table: key"};
  perfloop::LuaValue function;
  function.type = perfloop::LuaValue::Type::Function;

  wire::Writer value(wire::kValue);
  value.value(table);
  write_seed(dir, "value-table", value);
  // Tables in tables, each with a sibling after the nested one: the shape in
  // which a lying count at every level costs the most memory.
  perfloop::LuaValue deep = table;
  for (int level = 0; level < 6; ++level) {
    perfloop::LuaValue outer;
    outer.type = perfloop::LuaValue::Type::Table;
    outer.fields = {{"a", deep}, {"b", number}};
    outer.items = {{1, text}, {2, flag}};
    deep = outer;
  }
  wire::Writer nested(wire::kValue);
  nested.value(deep);
  write_seed(dir, "value-nested", nested);
  wire::Writer scalar(wire::kValue);
  scalar.value(number);
  write_seed(dir, "value-number", scalar);
  wire::Writer callable(wire::kValue);
  callable.value(function);
  write_seed(dir, "value-function", callable);

  perfloop::SandboxFailure failure;
  failure.message = "instruction limit exceeded";
  failure.line = 12;
  failure.traceback = "stack traceback:\n\t[C]: in ?";
  failure.limit_exceeded = true;
  wire::Writer failed(wire::kFailure);
  failed.failure(failure);
  write_seed(dir, "failure-limit", failed);

  OpenRequest open;
  open.seed = 1;
  open.prelude = "local mark = ...";
  open.path = "scenarios/x.lua";
  open.text = "return { build = function(p) return {} end }";
  open.callable = "build";
  wire::Writer opened(wire::kOpen);
  write_open(opened, open);
  write_seed(dir, "open", opened);

  CallRequest call;
  call.seed = 2;
  call.params = {{"rps", 120.0}, {"workers", 8.0}};
  wire::Writer called(wire::kCall);
  write_call(called, call);
  write_seed(dir, "call", called);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
  if (const char* dir = std::getenv("PERFLOOP_FUZZ_WRITE_SEEDS"); dir && *dir) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  switch (static_cast<std::uint8_t>(frame[0])) {
    case wire::kOpen: check<OpenRequest>(frame, wire::kOpen, read_open, write_open); break;
    case wire::kCall: check<CallRequest>(frame, wire::kCall, read_call, write_call); break;
    case wire::kValue: check<perfloop::LuaValue>(frame, wire::kValue, read_value, write_value); break;
    case wire::kFailure: check<perfloop::SandboxFailure>(frame, wire::kFailure, read_failure, write_failure); break;
    default: {
      // Not a kind: still bytes a broken child could send. Each reader gets a go.
      check<OpenRequest>(frame, wire::kOpen, read_open, write_open);
      check<CallRequest>(frame, wire::kCall, read_call, write_call);
      check<perfloop::LuaValue>(frame, wire::kValue, read_value, write_value);
      check<perfloop::SandboxFailure>(frame, wire::kFailure, read_failure, write_failure);
    }
  }
  return 0;
}
