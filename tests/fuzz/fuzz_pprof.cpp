// Fuzzes the pprof importer (sim/interop/pprof_format.h): a profile.proto,
// gzipped or raw, from any writer or none. Refusing is an ImportError with
// one printable line; anything else thrown, any crash or sanitizer report is
// a finding. The reader's limits (samples, stack depth, call paths) keep a
// small file from expanding for long; scripts/fuzz's -rss_limit_mb catches
// one that still does.
//
// What reads must write and read back to the same bytes: write_pprof(read)
// and write_pprof(read(write_pprof(read))) agree, or export and import
// disagree on some field.
//
// PERFLOOP_FUZZ_WRITE_SEEDS=DIR makes the target write a few valid profiles
// to DIR and exit: the seeds in corpus/pprof/ came from it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "sim/interop/gzip_codec.h"
#include "sim/interop/pprof_format.h"
#include "sim/interop/proto_wire.h"
#include "tests/fuzz/fuzz_checks.h"

using perfloop::fuzz::finding;

namespace {

void add_stack(perfloop::StackProfile& p, const std::vector<std::string>& frames, const std::vector<double>& values) {
  std::uint32_t stack = perfloop::kNoStack;
  for (const std::string& f : frames) stack = p.symbols.stack_path(stack, f);
  for (std::size_t t = 0; t < values.size(); ++t) p.add(stack, t, values[t]);
}

// Two columns, recursion, a caller with self time: what perfloop exports.
perfloop::StackProfile seed_profile() {
  perfloop::StackProfile p;
  p.add_type({"samples", "count"});
  p.add_type({"cpu", "nanoseconds"});
  p.default_type = 1;
  p.period_type = {"cpu", "nanoseconds"};
  p.period = 10'000'000;
  p.time_unix_ns = 1'767'225'600'000'000'000;
  p.duration_ns = 10'000'000'000;
  add_stack(p, {"main", "http.Serve", "checkout.Handle", "db.Query"}, {4, 40e6});
  add_stack(p, {"main", "http.Serve", "checkout.Handle"}, {1, 10e6});
  add_stack(p, {"main", "render", "render", "template.Execute"}, {2, 20e6});
  return p;
}

// What other writers do and perfloop does not: a location with inlined
// lines, large ids, unpacked fields, tables after the samples, a mapping,
// a label and a default type by name.
std::string seed_inlined() {
  namespace proto = perfloop::proto;
  auto value_type = [](std::int64_t type, std::int64_t unit) {
    proto::Writer m;
    m.int_field(1, type);
    m.int_field(2, unit);
    return m;
  };
  proto::Writer p;
  p.message_field(1, value_type(1, 2));
  p.message_field(1, value_type(3, 4));
  proto::Writer sample;
  sample.uint_field(1, 0x4000123);  // the inlined location, leaf first
  sample.uint_field(1, 9);
  sample.int_field(2, 3);
  sample.int_field(2, 30'000'000);
  proto::Writer label;
  label.int_field(1, 10);
  label.int_field(2, 11);
  sample.message_field(3, label);
  p.message_field(2, sample);
  proto::Writer mapping;
  mapping.uint_field(1, 1);
  mapping.uint_field(2, 0x400000);
  mapping.uint_field(3, 0x800000);
  p.message_field(3, mapping);
  auto location = [](std::uint64_t id, std::vector<std::uint64_t> functions) {
    proto::Writer m;
    m.uint_field(1, id);
    m.uint_field(2, 1);
    m.uint_field(3, id * 16);
    for (std::uint64_t f : functions) {
      proto::Writer line;
      line.uint_field(1, f);
      line.int_field(2, 12);
      m.message_field(4, line);
    }
    return m;
  };
  p.message_field(4, location(0x4000123, {700, 0xffffffffff, 3}));
  p.message_field(4, location(9, {1}));
  for (auto [id, name] :
       std::vector<std::pair<std::uint64_t, std::int64_t>>{{1, 5}, {3, 6}, {0xffffffffff, 7}, {700, 8}}) {
    proto::Writer f;
    f.uint_field(1, id);
    f.int_field(2, name);
    f.int_field(3, name);
    f.int_field(4, 9);
    p.message_field(5, f);
  }
  for (const char* s : {"", "samples", "count", "cpu", "nanoseconds", "main", "handle", "encode", "grow", "app.go",
                        "thread", "worker-1"})
    p.bytes_field(6, s);
  p.int_field(9, 1'767'225'600'000'000'000);
  p.int_field(14, 3);
  return p.take();
}

void write_seeds(const std::string& dir) {
  const std::string gz = perfloop::write_pprof(seed_profile());
  std::ofstream(dir + "/perfloop.pb.gz", std::ios::binary) << gz;
  std::ofstream(dir + "/perfloop.pb", std::ios::binary) << perfloop::gzip_decompress(gz);
  std::ofstream(dir + "/inlined.pb", std::ios::binary) << seed_inlined();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("PERFLOOP_FUZZ_WRITE_SEEDS"); dir && *dir) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  perfloop::StackProfile profile;
  try {
    profile = perfloop::read_pprof(bytes);
  } catch (const perfloop::ImportError& e) {
    perfloop::fuzz::expect_printable_line(e.what(), "an ImportError is not one printable line");
    return 0;
  }
  const std::string first = perfloop::write_pprof(profile);
  perfloop::StackProfile again;
  try {
    again = perfloop::read_pprof(first);
  } catch (const perfloop::ImportError& e) {
    finding("read_pprof refuses what write_pprof wrote", e.what());
  }
  if (perfloop::write_pprof(again) != first) finding("a profile changed on a write and a read", first);
  return 0;
}
