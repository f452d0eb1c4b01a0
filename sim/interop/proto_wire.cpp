#include "sim/interop/proto_wire.h"

namespace perfloop::proto {
namespace {

// The largest field number protobuf allows (2^29 - 1).
constexpr std::uint64_t kMaxFieldNumber = (std::uint64_t{1} << 29) - 1;

const char* wire_type_name(WireType type) {
  switch (type) {
    case WireType::Varint: return "a varint";
    case WireType::Fixed64: return "a fixed64";
    case WireType::Bytes: return "length-delimited";
    case WireType::StartGroup:
    case WireType::EndGroup: return "a group";
    case WireType::Fixed32: return "a fixed32";
  }
  return "an unknown wire type";
}

}  // namespace

void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void Writer::key(std::uint32_t field, WireType type) {
  append_varint(out_, (std::uint64_t{field} << 3) | static_cast<std::uint64_t>(type));
}

void Writer::uint_field(std::uint32_t field, std::uint64_t value) {
  key(field, WireType::Varint);
  append_varint(out_, value);
}

void Writer::int_field(std::uint32_t field, std::int64_t value) {
  uint_field(field, static_cast<std::uint64_t>(value));
}

void Writer::bytes_field(std::uint32_t field, std::string_view bytes) {
  key(field, WireType::Bytes);
  append_varint(out_, bytes.size());
  out_.append(bytes);
}

void Writer::packed_uints(std::uint32_t field, const std::vector<std::uint64_t>& values) {
  if (values.empty()) return;
  std::string run;
  for (std::uint64_t v : values) append_varint(run, v);
  bytes_field(field, run);
}

void Writer::packed_ints(std::uint32_t field, const std::vector<std::int64_t>& values) {
  if (values.empty()) return;
  std::string run;
  for (std::int64_t v : values) append_varint(run, static_cast<std::uint64_t>(v));
  bytes_field(field, run);
}

void Reader::fail(const std::string& what) const { fail_at(field_start_, what); }

void Reader::fail_at(std::size_t pos, const std::string& what) const {
  throw ImportError("byte " + std::to_string(base_ + pos) + ": " + what);
}

std::uint64_t Reader::read_varint() {
  const std::size_t start = pos_;
  std::uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    if (pos_ >= data_.size()) fail_at(start, "varint runs past the end of the message");
    const auto byte = static_cast<unsigned char>(data_[pos_++]);
    // The tenth byte holds bit 63 only; more would not fit in 64 bits.
    if (shift == 63 && byte > 1) fail_at(start, "varint does not fit in 64 bits");
    value |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return value;
  }
}

bool Reader::next() {
  if (!value_read_) skip_value();
  if (pos_ >= data_.size()) return false;
  field_start_ = pos_;
  const std::uint64_t key = read_varint();
  const std::uint64_t number = key >> 3;
  const auto type = static_cast<unsigned>(key & 7);
  if (number == 0 || number > kMaxFieldNumber) fail("field number " + std::to_string(number) + " is out of range");
  field_ = static_cast<std::uint32_t>(number);
  if (type == 3 || type == 4) fail("field " + std::to_string(number) + " is a group, which profile.proto never uses");
  if (type > 5)
    fail("field " + std::to_string(number) + " has wire type " + std::to_string(type) + ", which does not exist");
  type_ = static_cast<WireType>(type);
  value_read_ = false;
  return true;
}

void Reader::expect(WireType type, const char* what) {
  if (value_read_) fail("field " + std::to_string(field_) + " was read twice");
  if (type_ != type) fail("field " + std::to_string(field_) + " should be " + what + ", not " + wire_type_name(type_));
  value_read_ = true;
}

std::uint64_t Reader::uint_value() {
  expect(WireType::Varint, "a varint");
  return read_varint();
}

std::string_view Reader::bytes_value() {
  expect(WireType::Bytes, "length-delimited");
  const std::size_t length_at = pos_;
  const std::uint64_t length = read_varint();
  const std::size_t left = data_.size() - pos_;
  if (length > left)
    fail_at(length_at, "field " + std::to_string(field_) + "'s length " + std::to_string(length) +
                           " runs past the end of the message (" + std::to_string(left) + " bytes left)");
  const std::string_view value = data_.substr(pos_, static_cast<std::size_t>(length));
  pos_ += value.size();
  return value;
}

Reader Reader::message_value() {
  const std::string_view inner = bytes_value();
  return Reader(inner, base_ + static_cast<std::size_t>(inner.data() - data_.data()));
}

void Reader::append_uints(std::vector<std::uint64_t>& out) {
  if (type_ == WireType::Varint) {
    out.push_back(uint_value());
    return;
  }
  if (type_ != WireType::Bytes) {
    fail("field " + std::to_string(field_) + " should hold varints, not " + wire_type_name(type_));
  }
  Reader run = message_value();
  while (run.pos_ < run.data_.size()) out.push_back(run.read_varint());
}

void Reader::append_ints(std::vector<std::int64_t>& out) {
  if (type_ == WireType::Varint) {
    out.push_back(int_value());
    return;
  }
  if (type_ != WireType::Bytes) {
    fail("field " + std::to_string(field_) + " should hold varints, not " + wire_type_name(type_));
  }
  Reader run = message_value();
  while (run.pos_ < run.data_.size()) out.push_back(static_cast<std::int64_t>(run.read_varint()));
}

void Reader::skip_value() {
  value_read_ = true;
  const auto fixed = [this](std::size_t width, const char* what) {
    if (data_.size() - pos_ < width) fail(std::string(what) + " value runs past the end of the message");
    pos_ += width;
  };
  switch (type_) {
    case WireType::Varint: read_varint(); break;
    case WireType::Fixed64: fixed(8, "fixed64"); break;
    case WireType::Fixed32: fixed(4, "fixed32"); break;
    case WireType::Bytes:
      value_read_ = false;  // bytes_value() marks it read itself
      bytes_value();
      break;
    case WireType::StartGroup:
    case WireType::EndGroup: fail("a group cannot be skipped");  // next() refuses them before this
  }
}

}  // namespace perfloop::proto
