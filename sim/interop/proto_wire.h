// The protocol buffers wire format, by hand: enough to write and read
// pprof's profile.proto without libprotobuf. The Writer appends fields in
// the order it is called, so the same calls give the same bytes. The Reader
// walks one message over a string_view and trusts nothing in it: every
// length and count is checked against the bytes actually left, and every
// failure is an ImportError that starts "byte N: " with N the offset of the
// offending byte in the outermost message (sub-readers keep the offset).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/interop/import_error.h"

namespace perfloop::proto {

enum class WireType : std::uint8_t { Varint = 0, Fixed64 = 1, Bytes = 2, StartGroup = 3, EndGroup = 4, Fixed32 = 5 };

void append_varint(std::string& out, std::uint64_t value);

class Writer {
 public:
  // Written even when zero: leaving out proto3 defaults is the caller's choice.
  void uint_field(std::uint32_t field, std::uint64_t value);
  // int64 as protobuf encodes it: two's complement, so a negative takes 10 bytes.
  void int_field(std::uint32_t field, std::int64_t value);
  void bytes_field(std::uint32_t field, std::string_view bytes);
  void message_field(std::uint32_t field, const Writer& message) { bytes_field(field, message.bytes()); }
  // A packed repeated field: one length-delimited run of varints; nothing when empty.
  void packed_uints(std::uint32_t field, const std::vector<std::uint64_t>& values);
  void packed_ints(std::uint32_t field, const std::vector<std::int64_t>& values);

  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void key(std::uint32_t field, WireType type);
  std::string out_;
};

class Reader {
 public:
  // `offset` is where `message` starts in the outermost message, for errors.
  explicit Reader(std::string_view message, std::size_t offset = 0) : data_(message), base_(offset) {}

  // Moves to the next field, skipping the value of the current one if it
  // was not read. False at the end of the message.
  bool next();
  std::uint32_t field() const { return field_; }
  WireType wire_type() const { return type_; }

  // The current field's value; each throws if the wire type does not fit.
  std::uint64_t uint_value();
  std::int64_t int_value() { return static_cast<std::int64_t>(uint_value()); }
  std::string_view bytes_value();
  Reader message_value();
  // Repeated integers come packed (one length-delimited run) or one per
  // field; either way the values are appended. Each takes at least one
  // byte, so `out` grows with the bytes there, never with a count.
  void append_uints(std::vector<std::uint64_t>& out);
  void append_ints(std::vector<std::int64_t>& out);

  // Where the current field's key starts, in the outermost message.
  std::size_t field_offset() const { return base_ + field_start_; }
  // Throws "byte N: what" with N the current field's offset.
  [[noreturn]] void fail(const std::string& what) const;

 private:
  [[noreturn]] void fail_at(std::size_t pos, const std::string& what) const;
  std::uint64_t read_varint();  // at pos_, moving past it
  void expect(WireType type, const char* what);
  void skip_value();

  std::string_view data_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
  std::size_t field_start_ = 0;
  std::uint32_t field_ = 0;
  WireType type_ = WireType::Varint;
  bool value_read_ = true;  // nothing to skip before the first field
};

}  // namespace perfloop::proto
