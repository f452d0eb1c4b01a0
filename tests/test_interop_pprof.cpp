// pprof export and import: a profile survives write_pprof and read_pprof
// unchanged; files from other writers (inlined frames, arbitrary ids,
// unpacked fields, tables after the samples) read as pprof means them;
// broken files are refused with the byte where reading stopped; and the
// real consumer, `go tool pprof`, shows the shares the profile holds.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "sim/interop/gzip_codec.h"
#include "sim/interop/pprof_format.h"
#include "sim/interop/run_export.h"
#include "sim/interop/profile_import.h"
#include "sim/interop/family_hints.h"
#include "sim/interop/proto_wire.h"

using namespace perfloop;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

// ------------------------------------------------------------- profiles

// Adds `values` (one per column) to the stack `frames`, root first.
void add_stack(StackProfile& p, const std::vector<std::string>& frames, const std::vector<double>& values) {
  std::uint32_t stack = kNoStack;
  for (const std::string& f : frames) stack = p.symbols.stack_path(stack, f);
  for (std::size_t t = 0; t < values.size(); ++t)
    if (values[t] != 0) p.add(stack, t, values[t]);
}

// Three columns, the middle one the default; recursion (render on a path
// three times, and twice apart), a stack 300 frames deep, a caller with
// self time of its own, and a stack with a value only in the last column.
StackProfile sample_profile() {
  StackProfile p;
  p.name = "cpu of /checkout";
  p.add_type({"samples", "count"});
  p.add_type({"cpu", "nanoseconds"});
  p.add_type({"alloc_space", "bytes"});
  p.default_type = 1;
  p.period_type = {"cpu", "nanoseconds"};
  p.period = 10'000'000;
  p.time_unix_ns = 1'767'225'600'000'000'000;
  p.duration_ns = 30'000'000'000;
  const std::vector<std::string> handler = {"main", "http.Serve", "checkout.Handle"};
  auto under = [&handler](std::vector<std::string> tail) {
    std::vector<std::string> path = handler;
    path.insert(path.end(), tail.begin(), tail.end());
    return path;
  };
  add_stack(p, under({"db.Query"}), {40, 400e6, 0});
  add_stack(p, under({"json.Marshal", "runtime.mallocgc"}), {25, 250e6, 1 << 20});
  add_stack(p, handler, {5, 50e6, 0});
  add_stack(p, {"main", "render", "render", "render", "template.Execute"}, {10, 100e6, 2 << 20});
  add_stack(p, {"main", "render", "template.Execute", "render"}, {3, 30e6, 0});
  std::vector<std::string> deep = {"main"};
  for (int i = 0; i < 300; ++i) deep.push_back(i % 2 ? "walk.Left" : "walk.Right");
  add_stack(p, deep, {7, 70e6, 0});
  add_stack(p, {"main", "cache.Fill", "runtime.mallocgc"}, {0, 0, 4 << 20});
  return p;
}

// Each stack with a value, as "root;...;leaf", with its values per column.
std::map<std::string, std::vector<double>> by_path(const StackProfile& p) {
  std::map<std::string, std::vector<double>> out;
  for (std::uint32_t s = 0; s < p.symbols.stack_count(); ++s) {
    std::vector<double> values;
    bool any = false;
    for (std::size_t t = 0; t < p.types.size(); ++t) {
      values.push_back(p.value(s, t));
      any = any || values.back() != 0;
    }
    if (any) out[p.symbols.stack_string(s)] = values;
  }
  return out;
}

// frame_shares keyed by frame, as percentages to 0.01 (frame ids differ after a read).
std::map<std::string, std::pair<long, long>> shares_by_frame(const StackProfile& p, std::size_t type) {
  std::map<std::string, std::pair<long, long>> out;
  for (const FrameWeight& f : frame_weights(p, type))
    out[f.frame] = {std::lround(f.self * 1e4), std::lround(f.total * 1e4)};
  return out;
}

std::string raw_proto(const StackProfile& p) { return gzip_decompress(write_pprof(p)); }

// Message fragments of the ImportError `bytes` draws, or a failed test.
std::string import_error(const std::string& bytes) {
  try {
    read_pprof(bytes);
  } catch (const ImportError& e) {
    return e.what();
  }
  FAIL("read_pprof accepted what it should have refused");
  return {};
}

// ------------------------------------------------- hand-encoded profiles

// profile.proto by hand, to read what other writers write.
namespace field {
constexpr std::uint32_t kSampleType = 1, kSample = 2, kLocation = 4, kFunction = 5, kString = 6,
                        kDefaultSampleType = 14;
}

proto::Writer value_type(std::int64_t type, std::int64_t unit) {
  proto::Writer m;
  m.int_field(1, type);
  m.int_field(2, unit);
  return m;
}

proto::Writer function(std::uint64_t id, std::int64_t name) {
  proto::Writer m;
  m.uint_field(1, id);
  m.int_field(2, name);
  return m;
}

// `function_ids` innermost first, as pprof lists a location's lines.
proto::Writer location(std::uint64_t id, const std::vector<std::uint64_t>& function_ids) {
  proto::Writer m;
  m.uint_field(1, id);
  for (std::uint64_t f : function_ids) {
    proto::Writer line;
    line.uint_field(1, f);
    line.int_field(2, 42);  // a source line: read past, not used
    m.message_field(4, line);
  }
  return m;
}

// `packed` false writes each id and value as a field of its own, as old writers did.
proto::Writer sample(const std::vector<std::uint64_t>& location_ids, const std::vector<std::int64_t>& values,
                     bool packed = true) {
  proto::Writer m;
  if (packed) {
    m.packed_uints(1, location_ids);
    m.packed_ints(2, values);
  } else {
    for (std::uint64_t id : location_ids) m.uint_field(1, id);
    for (std::int64_t v : values) m.int_field(2, v);
  }
  return m;
}

void strings(proto::Writer& out, const std::vector<std::string>& table) {
  for (const std::string& s : table) out.bytes_field(field::kString, s);
}

// A valid one-type profile whose sample and tables the error tests vary.
std::string small_profile(const proto::Writer& one_sample, std::int64_t function_name = 3,
                          std::uint64_t function_id = 1, std::uint64_t location_id = 1) {
  proto::Writer p;
  p.message_field(field::kSampleType, value_type(1, 2));
  p.message_field(field::kSample, one_sample);
  p.message_field(field::kLocation, location(location_id, {function_id}));
  p.message_field(field::kFunction, function(function_id, function_name));
  strings(p, {"", "samples", "count", "main"});
  return p.take();
}

// What other writers do and write_pprof does not: grow inlined into encode
// inlined into handle, all three in one location; ids large and sparse;
// one sample unpacked; samples before the tables they name (nothing says
// the tables come first); a sample with no location; an unknown field.
proto::Writer other_writers_profile() {
  // Strings: 1 alloc_objects 2 count 3 alloc_space 4 bytes 5 main 6 handle
  // 7 encode (inlined into handle) 8 grow (inlined into encode) 9 write.
  const std::vector<std::string> table = {"",     "alloc_objects", "count",  "alloc_space", "bytes",
                                          "main", "handle",        "encode", "grow",        "write"};
  constexpr std::uint64_t kMain = 1000, kHandle = 77, kEncode = 0xffffffffffffull, kGrow = 5, kWrite = ~0ull;
  constexpr std::uint64_t kLocMain = 9'000'000'000'000'000'000ull, kLocInlined = 2, kLocWrite = 123456789;
  proto::Writer p;
  p.message_field(field::kSampleType, value_type(1, 2));
  p.message_field(field::kSampleType, value_type(3, 4));
  p.message_field(field::kSample, sample({kLocInlined, kLocMain}, {2, 4096}));
  p.message_field(field::kSample, sample({kLocWrite, kLocInlined, kLocMain}, {1, 512}, false));
  p.message_field(field::kSample, sample({kLocInlined, kLocMain}, {1, 1024}));  // adds to the first
  p.message_field(field::kSample, sample({}, {5, 5}));                          // no location: nowhere to put it
  p.message_field(field::kLocation, location(kLocInlined, {kGrow, kEncode, kHandle}));
  p.message_field(field::kLocation, location(kLocMain, {kMain}));
  p.message_field(field::kLocation, location(kLocWrite, {kWrite}));
  for (auto [id, name] :
       std::vector<std::pair<std::uint64_t, int>>{{kMain, 5}, {kHandle, 6}, {kEncode, 7}, {kGrow, 8}, {kWrite, 9}})
    p.message_field(field::kFunction, function(id, name));
  p.uint_field(3000, 7);  // a field from a later profile.proto: skipped
  strings(p, table);
  return p;
}

// ------------------------------------------------------- go tool pprof

struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path =
        fs::temp_directory_path() / ("perfloop-pprof-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

void write_file(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool go_installed() { return std::system("command -v go >/dev/null 2>&1") == 0; }

// Runs `go tool pprof ARGS` with every cache and home inside `dir` and no
// network (GOPROXY=off; the file is local, so pprof fetches nothing).
std::string go_pprof(const TempDir& dir, const std::string& args) {
  const std::string d = dir.path.string();
  const std::string command = "cd '" + d + "' && env HOME='" + d + "' GOCACHE='" + d + "/gocache' GOPATH='" + d +
                              "/gopath' PPROF_TMPDIR='" + d + "' GOPROXY=off GOFLAGS= GOTOOLCHAIN=local" +
                              " go tool pprof " + args + " >'" + d + "/out' 2>'" + d + "/err'";
  const int status = std::system(command.c_str());
  INFO("go tool pprof " << args << "\nstderr:\n" << read_file(dir.path / "err"));
  REQUIRE(status == 0);
  return read_file(dir.path / "out");
}

struct TopRow {
  double flat_pct = 0, cum_pct = 0;
};

// `-top` rows by function: "  flat  flat%  sum%  cum  cum%  name".
std::map<std::string, TopRow> parse_top(const std::string& text) {
  std::map<std::string, TopRow> rows;
  std::istringstream lines(text);
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (!in_table) {
      in_table = line.find("flat%") != std::string::npos;
      continue;
    }
    std::istringstream cells(line);
    std::string flat, flat_pct, sum_pct, cum, cum_pct, name;
    if (!(cells >> flat >> flat_pct >> sum_pct >> cum >> cum_pct)) continue;
    std::getline(cells >> std::ws, name);
    // pprof marks a function inlined into its caller; the function is the same.
    if (const auto inlined = name.rfind(" (inline)"); inlined != std::string::npos) name.erase(inlined);
    rows[name] = {std::stod(flat_pct), std::stod(cum_pct)};
  }
  return rows;
}

std::string header_line(const std::string& text, const std::string& start) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind(start, 0) == 0) return line;
  return {};
}

// `-traces` blocks: each stack leaf first, joined root first with ';' to
// compare with stack_string.
std::set<std::string> parse_traces(const std::string& text) {
  std::set<std::string> stacks;
  std::vector<std::string> frames;  // leaf first
  auto flush = [&] {
    std::string joined;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) joined += (joined.empty() ? "" : ";") + *it;
    if (!joined.empty()) stacks.insert(joined);
    frames.clear();
  };
  std::istringstream lines(text);
  std::string line;
  bool in_traces = false;
  while (std::getline(lines, line)) {
    if (line.rfind("-----------+", 0) == 0) {
      flush();
      in_traces = true;
      continue;
    }
    if (!in_traces || line.size() < 13) continue;
    // The value sits in the first 11 columns of a block's first line; the
    // frame name starts after them.
    std::string name = line.substr(11);
    name.erase(0, name.find_first_not_of(' '));
    // pprof marks a frame inlined into its caller; the name is the same.
    if (const auto inlined = name.rfind(" (inline)"); inlined != std::string::npos) name.erase(inlined);
    if (!name.empty()) frames.push_back(name);
  }
  flush();
  return stacks;
}

}  // namespace

// ================================================================ gzip

TEST_CASE("gzip round trips, and the same input compresses to the same bytes", "[interop-pprof]") {
  std::string text;
  for (int i = 0; i < 200'000; ++i) text += "frame " + std::to_string(i % 977) + ";";
  const std::string packed = gzip_compress(text);
  CHECK(is_gzip(packed));
  CHECK_FALSE(is_gzip(text));
  CHECK(packed.size() < text.size() / 4);
  CHECK(gzip_compress(text) == packed);
  CHECK(gzip_decompress(packed) == text);
  // No modification time (bytes 4-7), and OS 255, "unknown", whatever built it.
  CHECK(packed.substr(4, 4) == std::string(4, '\0'));
  CHECK(static_cast<unsigned char>(packed[9]) == 255);
  CHECK(gzip_decompress(gzip_compress("")).empty());
  // Two members back to back read as one file, as gzip(1) and Go read them.
  CHECK(gzip_decompress(gzip_compress("ab") + gzip_compress("cd")) == "abcd");
}

TEST_CASE("gzip refuses corrupt, truncated and oversized input, naming the byte", "[interop-pprof]") {
  const std::string text(100'000, 'x');
  const std::string packed = gzip_compress(text);
  CHECK_THROWS_WITH(gzip_decompress(packed, 1000), Contains("inflates past 1000 bytes at byte"));
  CHECK_THROWS_WITH(gzip_decompress(packed.substr(0, packed.size() / 2)),
                    Contains("truncated at byte " + std::to_string(packed.size() / 2)));
  CHECK_THROWS_WITH(gzip_decompress(packed.substr(0, 5)), Contains("truncated at byte 5"));
  std::string broken = packed;
  broken[2] = 9;  // a compression method other than deflate
  CHECK_THROWS_WITH(gzip_decompress(broken), Contains("gzip: corrupt data at byte"));
  std::string bad_crc = packed;
  bad_crc[bad_crc.size() - 6] ^= 0x55;
  CHECK_THROWS_WITH(gzip_decompress(bad_crc), Contains("corrupt data at byte") && Contains("check"));
  CHECK_THROWS_WITH(gzip_decompress(packed + "junk"),
                    Contains("unexpected bytes after the end of the stream at byte " + std::to_string(packed.size())));
  CHECK_THROWS_AS(gzip_decompress(""), ImportError);
}

// =========================================================== wire format

TEST_CASE("protobuf varints and fields encode and decode at their edges", "[interop-pprof]") {
  proto::Writer w;
  const std::vector<std::uint64_t> edges = {0, 1, 127, 128, 300, (1ull << 32), ~0ull};
  for (std::uint64_t v : edges) w.uint_field(3, v);
  w.int_field(4, -1);
  w.bytes_field(5, "hello");
  w.packed_ints(6, {-2, 0, 1 << 20});
  w.uint_field(7, 9);  // the same field unpacked, one by one
  w.int_field(7, 10);
  CHECK(w.bytes().substr(0, 2) == std::string("\x18\x00", 2));  // field 3, varint, 0

  proto::Reader r(w.bytes());
  std::vector<std::uint64_t> seen;
  std::vector<std::int64_t> repeated;
  while (r.next()) {
    if (r.field() == 3) seen.push_back(r.uint_value());
    if (r.field() == 4) CHECK(r.int_value() == -1);
    if (r.field() == 5) CHECK(r.bytes_value() == "hello");
    if (r.field() == 6 || r.field() == 7) r.append_ints(repeated);
  }
  CHECK(seen == edges);
  CHECK(repeated == std::vector<std::int64_t>{-2, 0, 1 << 20, 9, 10});
}

TEST_CASE("the protobuf reader refuses what runs past its end, with the byte", "[interop-pprof]") {
  auto error_of = [](const std::string& bytes) -> std::string {
    try {
      proto::Reader r(bytes, 100);
      while (r.next())
        if (r.wire_type() == proto::WireType::Varint) r.uint_value();
    } catch (const ImportError& e) {
      return e.what();
    }
    return "accepted";
  };
  CHECK_THAT(error_of(std::string("\x08\x80", 2)), Contains("byte 101: varint runs past the end of the message"));
  CHECK_THAT(error_of("\x08" + std::string(10, '\xff') + "\x01"), Contains("byte 101: varint does not fit in 64 bits"));
  CHECK_THAT(error_of("\x0a\x05"
                      "abc"),
             Contains("byte 101: field 1's length 5 runs past the end"));
  CHECK_THAT(error_of("\x09"
                      "1234567"),
             Contains("byte 100: fixed64 value runs past the end"));
  CHECK_THAT(error_of("\x0d"
                      "12"),
             Contains("fixed32 value runs past the end"));
  CHECK(error_of("\x0d"
                 "1234"
                 "\x09"
                 "12345678") == "accepted");  // skipped whole
  CHECK_THAT(error_of("\x0b"), Contains("byte 100: field 1 is a group"));
  CHECK_THAT(error_of("\x0e"), Contains("wire type 6, which does not exist"));
  CHECK_THAT(error_of(std::string("\x00\x01", 2)), Contains("byte 100: field number 0 is out of range"));
}

// ============================================================ round trips

TEST_CASE("a profile written as pprof reads back with the same stacks, values and types", "[interop-pprof]") {
  const StackProfile original = sample_profile();
  const std::string bytes = write_pprof(original);
  REQUIRE(is_gzip(bytes));
  const StackProfile back = read_pprof(bytes);

  CHECK(back.types == original.types);
  CHECK(back.default_type == original.default_type);
  CHECK(back.period_type == original.period_type);
  CHECK(back.period == original.period);
  CHECK(back.time_unix_ns == original.time_unix_ns);
  CHECK(back.duration_ns == original.duration_ns);
  const auto stacks = by_path(original);
  CHECK(by_path(back) == stacks);
  CHECK(stacks.size() == 7);
  for (std::size_t t = 0; t < original.types.size(); ++t)
    CHECK(shares_by_frame(back, t) == shares_by_frame(original, t));
  // Raw (not gzipped) reads the same, and what was read writes the same bytes.
  CHECK(by_path(read_pprof(raw_proto(original))) == stacks);
  CHECK(write_pprof(back) == bytes);
}

TEST_CASE("write_pprof gives the same bytes for the same profile", "[interop-pprof]") {
  CHECK(write_pprof(sample_profile()) == write_pprof(sample_profile()));
  // Locations leaf first: the first sample (main;http.Serve;checkout.Handle,
  // the first stack with a value) names checkout.Handle first. Each
  // location's id is its function's, and the function's name a string.
  const std::string raw = raw_proto(sample_profile());
  std::vector<std::uint64_t> first_sample;
  std::map<std::uint64_t, std::int64_t> function_names;
  std::vector<std::string> table;
  proto::Reader top(raw);
  while (top.next()) {
    if (top.field() == 2 && first_sample.empty()) {
      proto::Reader s = top.message_value();
      while (s.next())
        if (s.field() == 1) s.append_uints(first_sample);
    } else if (top.field() == 5) {
      proto::Reader f = top.message_value();
      std::uint64_t id = 0;
      while (f.next()) {
        if (f.field() == 1) id = f.uint_value();
        if (f.field() == 2) function_names[id] = f.int_value();
      }
    } else if (top.field() == 6) {
      table.emplace_back(top.bytes_value());
    }
  }
  std::vector<std::string> names;
  for (std::uint64_t id : first_sample) names.push_back(table.at(function_names.at(id)));
  CHECK(names == std::vector<std::string>{"checkout.Handle", "http.Serve", "main"});
  CHECK(table.at(0).empty());
}

TEST_CASE("values are rounded to integers; stacks whose values round to zero are left out", "[interop-pprof]") {
  StackProfile p;
  p.add_type({"cpu", "nanoseconds"});
  add_stack(p, {"main", "a"}, {2.6});
  add_stack(p, {"main", "b"}, {0.2});
  add_stack(p, {"main", "c"}, {-3.5});  // diff profiles hold negative values
  const auto back = by_path(read_pprof(write_pprof(p)));
  CHECK(back == std::map<std::string, std::vector<double>>{{"main;a", {3}}, {"main;c", {-4}}});
}

// ================================================= other writers' files

TEST_CASE("inlined lines, arbitrary ids, unpacked fields and late tables read as pprof means them", "[interop-pprof]") {
  proto::Writer p = other_writers_profile();
  const StackProfile profile = read_pprof(p.bytes());
  REQUIRE(profile.types == std::vector<ValueType>{{"alloc_objects", "count"}, {"alloc_space", "bytes"}});
  CHECK(profile.default_type == 1);  // none named: the last, as go tool pprof picks
  CHECK(by_path(profile) == std::map<std::string, std::vector<double>>{
                                {"main;handle;encode;grow", {3, 5120}},
                                {"main;handle;encode;grow;write", {1, 512}},
                            });
  // And gzipped, with a default named.
  p.int_field(field::kDefaultSampleType, 1);
  const StackProfile gz = read_pprof(gzip_compress(p.bytes()));
  CHECK(gz.default_type == 0);
  CHECK(by_path(gz) == by_path(profile));
}

TEST_CASE("functions without a name fall back to the system name; locations without lines to the address",
          "[interop-pprof]") {
  proto::Writer p;
  p.message_field(field::kSampleType, value_type(1, 2));
  p.message_field(field::kSample, sample({1, 2}, {1}));
  p.message_field(field::kSample, sample({3, 2}, {1}));
  p.message_field(field::kLocation, location(1, {1}));
  p.message_field(field::kLocation, location(2, {2}));
  proto::Writer address_only;
  address_only.uint_field(1, 3);
  address_only.uint_field(3, 0x4a0f3c);
  p.message_field(field::kLocation, address_only);
  proto::Writer system_named;
  system_named.uint_field(1, 1);
  system_named.int_field(3, 3);
  p.message_field(field::kFunction, system_named);
  p.message_field(field::kFunction, function(2, 0));
  strings(p, {"", "samples", "count", "_ZN4core3fmt5write"});
  CHECK(by_path(read_pprof(p.bytes())) ==
        std::map<std::string, std::vector<double>>{{"??;_ZN4core3fmt5write", {1}}, {"??;0x4a0f3c", {1}}});
}

// ============================================================ broken files

TEST_CASE("a truncated pprof file is refused at every length, never crashes", "[interop-pprof]") {
  const std::string gz = write_pprof(sample_profile());
  for (std::size_t n = 1; n < gz.size(); ++n) {
    INFO("first " << n << " bytes of " << gz.size());
    CHECK_THROWS_WITH(read_pprof(gz.substr(0, n)), Contains("pprof") && Contains("byte"));
  }
  // A raw profile cut between two fields is a shorter profile that may
  // still read; cut anywhere else it is refused. Either way no crash and
  // no other exception.
  const std::string raw = raw_proto(sample_profile());
  std::size_t refused = 0;
  for (std::size_t n = 1; n < raw.size(); ++n) {
    try {
      read_pprof(raw.substr(0, n));
    } catch (const ImportError& e) {
      ++refused;
      CHECK_THAT(e.what(), Contains("not gzipped") && Contains("byte"));
    }
  }
  CHECK(refused > raw.size() * 9 / 10);
  CHECK_THAT(import_error(raw.substr(0, 5)), Contains("byte 1: field 1's length 4") && Contains("runs past the end"));
}

TEST_CASE("nonsense in a pprof file is refused with what and where", "[interop-pprof]") {
  CHECK_THAT(import_error(""), Contains("empty"));
  // Folded stacks: 'r' (0x72) reads as field 14 length-delimited, and field 14 is a varint.
  CHECK_THAT(import_error("root;main;db.Query 10\n"),
             Contains("not gzipped") && Contains("byte 0: field 14 should be a varint"));
  CHECK_THAT(import_error(gzip_compress("root;main;db.Query 10\n")), Contains("inflated from gzip: byte"));
  CHECK_THAT(import_error(small_profile(sample({1}, {1}), 99)),
             Contains("string index 99 is out of range (the string table has 4 entries)"));
  const std::string undefined = small_profile(sample({5}, {1}));
  const std::size_t sample_at = undefined.find('\x12');  // the sample's field key
  CHECK_THAT(import_error(undefined),
             Contains("byte " + std::to_string(sample_at) + ": the sample refers to location 5, which is not defined"));
  CHECK_THAT(import_error(small_profile(sample({0}, {1}))), Contains("location 0, which is not defined"));
  CHECK_THAT(import_error(small_profile(sample({1}, {1}), 3, 0)), Contains("function id 0 is reserved"));
  CHECK_THAT(import_error(small_profile(sample({0}, {1}), 3, 1, 0)), Contains("location id 0 is reserved"));
  CHECK_THAT(import_error(small_profile(sample({1}, {1, 2, 3}))),
             Contains("the sample has 3 values for 1 sample types"));
  CHECK_THAT(import_error(small_profile(sample({1}, {}))), Contains("0 values for 1 sample types"));

  std::string twice = small_profile(sample({1}, {1}));
  proto::Writer again;
  again.message_field(field::kLocation, location(1, {1}));
  CHECK_THAT(import_error(twice + again.bytes()), Contains("location id 1 is defined twice"));
  proto::Writer missing_function;
  missing_function.message_field(field::kLocation, location(2, {8}));
  CHECK_THAT(import_error(twice + missing_function.bytes()),
             Contains("location 2 has a line in function 8, which is not defined"));

  proto::Writer first_string;
  strings(first_string, {"cpu"});
  first_string.message_field(field::kSampleType, value_type(0, 0));
  CHECK_THAT(import_error(first_string.bytes()), Contains("byte 0: string_table[0] must be empty"));
  proto::Writer no_types;
  strings(no_types, {"", "x"});
  CHECK_THAT(import_error(no_types.bytes()), Contains("no sample types"));
  proto::Writer wrong_type;
  wrong_type.uint_field(field::kSampleType, 1);
  CHECK_THAT(import_error(wrong_type.bytes()), Contains("byte 0: field 1 should be length-delimited, not a varint"));
}

TEST_CASE("pprof files past the reader's limits are refused, not read for minutes", "[interop-pprof]") {
  // A location that calls itself 5000 deep.
  std::vector<std::uint64_t> ids(kMaxPprofStackDepth + 1, 1);
  CHECK_THAT(import_error(small_profile(sample(ids, {1}))), Contains("deeper than 4096 frames"));
  ids.pop_back();
  CHECK_NOTHROW(read_pprof(small_profile(sample(ids, {1}))));

  // Empty samples cost two bytes each: 10M of them fit in 20 MB.
  proto::Writer head;
  head.message_field(field::kSampleType, value_type(0, 0));
  std::string many = head.take();
  many.reserve(many.size() + 2 * (kMaxPprofSamples + 1));
  for (std::size_t i = 0; i <= kMaxPprofSamples; ++i) many += std::string("\x12\x00", 2);
  CHECK_THAT(import_error(many), Contains("more than 10000000 samples"));
}

// ======================================================= go tool pprof

TEST_CASE("go tool pprof shows the profile's own self and total shares", "[interop-pprof]") {
  if (!go_installed()) FAIL("golang-go is missing: run scripts/deps");
  TempDir dir;
  const StackProfile profile = sample_profile();
  const fs::path file = dir.path / "checkout.pb.gz";
  write_file(file, write_pprof(profile));

  // Each column in turn, the default one first (no -sample_index).
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"", "cpu"}, {"-sample_index=samples ", "samples"}, {"-sample_index=alloc_space ", "alloc_space"}};
  for (const auto& [option, type] : runs) {
    const std::string top = go_pprof(dir, "-top -nodecount=50 " + option + "'" + file.string() + "'");
    INFO("go tool pprof -top " << option << "\n" << top);
    CHECK(header_line(top, "Type: ") == "Type: " + type);
    // The total is printed in the column's unit, scaled as pprof scales it.
    const std::string showing = header_line(top, "Showing nodes accounting for");
    const std::regex unit = type == "cpu"           ? std::regex(R"(of [0-9.]+(ns|us|ms|s) total)")
                            : type == "alloc_space" ? std::regex(R"(of [0-9.]+(B|kB|MB|GB) total)")
                                                    : std::regex(R"(of [0-9]+ total)");
    CHECK(std::regex_search(showing, unit));
    const auto rows = parse_top(top);
    const auto shares = frame_weights(profile, static_cast<std::size_t>(profile.find_type(type)));
    CHECK(rows.size() == shares.size());
    for (const FrameWeight& share : shares) {
      INFO(type << ": " << share.frame << " self " << share.self * 100 << "% total " << share.total * 100 << "%");
      REQUIRE(rows.count(share.frame) == 1);
      CHECK(std::abs(rows.at(share.frame).flat_pct - share.self * 100) < 0.1);
      CHECK(std::abs(rows.at(share.frame).cum_pct - share.total * 100) < 0.1);
    }
  }

  // -traces lists every sample (a zero in the shown column too), its stack
  // leaf first: read back root first, the stacks the profile holds.
  std::set<std::string> want;
  for (const auto& [stack, values] : by_path(profile)) want.insert(stack);
  const std::string traces = go_pprof(dir, "-traces '" + file.string() + "'");
  INFO(traces);
  CHECK(parse_traces(traces) == want);
}

TEST_CASE("go tool pprof reads inlined frames in the order read_pprof does", "[interop-pprof]") {
  if (!go_installed()) FAIL("golang-go is missing: run scripts/deps");
  TempDir dir;
  const std::string bytes = other_writers_profile().take();
  const fs::path file = dir.path / "inlined.pb";
  write_file(file, bytes);
  std::set<std::string> read;
  for (const auto& [stack, values] : by_path(read_pprof(bytes))) read.insert(stack);
  const std::string traces = go_pprof(dir, "-traces '" + file.string() + "'");
  INFO(traces);
  CHECK(parse_traces(traces) == read);
}

TEST_CASE("a real CPU profile from Go's runtime/pprof reads with go tool pprof's shares and hints", "[interop-pprof]") {
  if (!go_installed()) FAIL("golang-go is missing: run scripts/deps");
  TempDir dir;
  // Made by tests/data/pprof/orders.go: inlined frames, real addresses and mappings, Go's own string table.
  const std::string file = std::string(PERFLOOP_SOURCE_DIR) + "/tests/data/pprof/orders-cpu.pb.gz";
  const ImportedProfile imported = import_profile_file(file);
  const StackProfile& profile = imported.profile;
  CHECK(imported.format == ProfileFormat::Pprof);
  REQUIRE(profile.types.size() == 2);
  CHECK(profile.types[profile.default_type] == ValueType{"cpu", "nanoseconds"});  // Go names no default: the last
  CHECK(profile.period == 10'000'000);  // 100 Hz
  const std::string top = go_pprof(dir, "-top -nodecount=25 '" + file + "'");
  INFO(top);
  const auto rows = parse_top(top);
  REQUIRE(rows.size() == 25);
  std::map<std::string, FrameWeight> ours;
  for (const FrameWeight& w : frame_weights(profile, profile.default_type)) ours[w.frame] = w;
  for (const auto& [name, row] : rows) {
    INFO(name);
    REQUIRE(ours.count(name) == 1);
    CHECK(std::abs(row.flat_pct - ours[name].self * 100) < 0.1);
    CHECK(std::abs(row.cum_pct - ours[name].total * 100) < 0.1);
  }
  // A service loop that allocates on its hot path: the collector's frames say so.
  const auto hints = family_hints(profile, profile.default_type);
  REQUIRE_FALSE(hints.empty());
  CHECK(hints[0].family == "allocation-bound");
  CHECK(std::find(hints[0].frames.begin(), hints[0].frames.end(), "runtime.mallocgc") != hints[0].frames.end());
}

TEST_CASE("a simulated CPU profile exported as pprof shows go tool pprof the app's shares", "[interop-pprof]") {
  if (!go_installed()) FAIL("golang-go is missing: run scripts/deps");
  TempDir dir;
  RunExportRequest request;
  request.scenario_path = std::string(PERFLOOP_SOURCE_DIR) + "/scenarios/checkout-inventory-payload.lua";
  request.params = {{"deploy_at_s", 300}, {"fix_at_s", 600}, {"duration_s", 900}};
  request.from_s = 300;
  request.to_s = 600;
  const RunExport exported = export_run(request);
  CHECK(exported.format == "pprof");
  const fs::path file = dir.path / "checkout-cpu.pb.gz";
  write_file(file, exported.bytes);
  const StackProfile profile = read_pprof(exported.bytes);
  CHECK(profile.types[profile.default_type] == ValueType{"samples", "count"});  // what the flame graph counts
  const std::string top = go_pprof(dir, "-top -nodecount=100 '" + file.string() + "'");
  INFO(top);
  CHECK(header_line(top, "Type: ") == "Type: samples");
  const auto rows = parse_top(top);
  const auto shares = frame_weights(profile, profile.default_type);
  CHECK(rows.size() == shares.size());
  for (const FrameWeight& w : shares) {
    INFO(w.frame);
    REQUIRE(rows.count(w.frame) == 1);
    CHECK(std::abs(rows.at(w.frame).flat_pct - w.self * 100) < 0.1);
    CHECK(std::abs(rows.at(w.frame).cum_pct - w.total * 100) < 0.1);
  }
  // And the CPU-time column, in nanoseconds.
  const std::string ns = go_pprof(dir, "-top -sample_index=cpu '" + file.string() + "'");
  CHECK(header_line(ns, "Type: ") == "Type: cpu");
}
