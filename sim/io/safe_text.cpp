#include "sim/io/safe_text.h"

#include <algorithm>
#include <cstdio>

namespace perfloop {

namespace {

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when
// the bytes there are not one (RFC 3629: the shortest form only, no
// surrogates, at most U+10FFFF).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) high = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

void append_hex(std::string& out, unsigned char c) {
  char text[8];
  std::snprintf(text, sizeof text, "\\x%02x", c);
  out += text;
}

struct Escapes {
  bool quote = false;      // a double quote as \"
  bool backslash = true;   // a backslash as \\ (off: text that is printable already stays as it is)
};

// Appends the printable form of the character at text[i]; returns its length in `text`.
std::size_t append_printable(std::string& out, std::string_view text, std::size_t i, Escapes escapes) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\\':
        if (escapes.backslash) out += '\\';
        out += '\\';
        break;
      case '"':
        if (escapes.quote) out += '\\';
        out += '"';
        break;
      default:
        if (c < 0x20 || c == 0x7F) append_hex(out, c);
        else out += static_cast<char>(c);
    }
    return 1;
  }
  const std::size_t length = utf8_sequence(text, i);
  if (length == 0) {
    append_hex(out, c);
    return 1;
  }
  // C1 controls (U+0080..U+009F) act on some terminals like ESC sequences.
  if (length == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
    append_hex(out, c);
    append_hex(out, static_cast<unsigned char>(text[i + 1]));
    return 2;
  }
  out.append(text.substr(i, length));
  return length;
}

std::string printable_impl(std::string_view text, std::size_t max_bytes, Escapes escapes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 16);
  const std::string note = "... (" + std::to_string(text.size()) + " bytes)";
  const std::size_t keep = max_bytes > note.size() ? max_bytes - note.size() : 0;
  std::size_t cut = 0;  // out's length at the last character boundary within `keep`
  std::size_t i = 0;
  while (i < text.size()) {
    i += append_printable(out, text, i, escapes);
    if (out.size() <= keep) cut = out.size();
    if (out.size() > max_bytes) break;  // too long whatever follows: stop rendering
  }
  if (i >= text.size() && out.size() <= max_bytes) return out;
  out.resize(cut);
  return out + note;
}

}  // namespace

bool is_valid_utf8(std::string_view text) { return first_invalid_utf8(text) == std::string_view::npos; }

std::size_t first_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t length = utf8_sequence(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

std::string repaired_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t length = utf8_sequence(text, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string printable(std::string_view text, std::size_t max_bytes) { return printable_impl(text, max_bytes, {}); }

std::string quote(std::string_view text, std::size_t max_bytes) {
  return "\"" + printable_impl(text, max_bytes > 2 ? max_bytes - 2 : 0, {true, true}) + "\"";
}

std::string terminal_line(std::string_view message, std::size_t max_bytes) {
  return printable_impl(message, max_bytes, {false, false});
}

}  // namespace perfloop
