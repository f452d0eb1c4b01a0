// Text that came from outside (a scenario file, an answers file, a saved
// attempt, a settings file, the command line) made safe to print or to
// write as JSON. Such text may hold newlines, terminal escape sequences,
// bytes that are not UTF-8, or be a hundred kilobytes long; a message that
// echoes it must still be one short line that cannot drive the terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace perfloop {

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// The byte offset of the first byte that breaks UTF-8, or npos.
std::size_t first_invalid_utf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD: for text that
// must go into JSON whatever it holds (a file name, say).
std::string repaired_utf8(std::string_view text);

// One printable line: control characters and DEL as \n, \t, \r or \xNN,
// bytes that are not UTF-8 as \xNN, a backslash as \\; longer than
// `max_bytes` (of the result), it is cut at a character boundary and ends
// with "... (N bytes)" giving the original length.
std::string printable(std::string_view text, std::size_t max_bytes = 240);

// quote(): printable() between double quotes, with a double quote escaped as \".
std::string quote(std::string_view text, std::size_t max_bytes = 80);

// The last guard before a terminal: control characters and bytes that are
// not UTF-8 escaped as printable() does, but a backslash kept as it is, so
// text already made printable comes through unchanged; cut past `max_bytes`.
std::string terminal_line(std::string_view message, std::size_t max_bytes = 2000);

}  // namespace perfloop
