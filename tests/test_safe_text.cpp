// Text from files and scripts made safe to print: escapes, UTF-8 checks and
// length caps, with the exact output a terminal or a JSON document gets.
#include <catch2/catch.hpp>

#include <string>

#include "sim/io/safe_text.h"

using namespace perfloop;

TEST_CASE("printable escapes what could drive a terminal and keeps the rest", "[safe_text]") {
  CHECK(printable("plain text, café, 日本") == "plain text, café, 日本");
  CHECK(printable("two\nlines\ttab\rcr") == "two\\nlines\\ttab\\rcr");
  CHECK(printable("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(printable(std::string("nul\0byte", 8)) == "nul\\x00byte");
  CHECK(printable("del\x7f") == "del\\x7f");
  CHECK(printable("back\\slash") == "back\\\\slash");
  // A C1 control (U+009B, CSI on some terminals) is escaped although it is valid UTF-8.
  CHECK(printable("\xc2\x9b" "2J") == "\\xc2\\x9b2J");
  // Bytes that are not UTF-8: a lone continuation byte, a Latin-1 é, a truncated sequence.
  CHECK(printable("\x80x\xe9y\xe2\x82") == "\\x80x\\xe9y\\xe2\\x82");
}

TEST_CASE("printable cuts long text at a character and says how long it was", "[safe_text]") {
  const std::string long_text(100000, 'k');
  const std::string shown = printable(long_text, 60);
  CHECK(shown.size() <= 60);
  CHECK(shown == std::string(42, 'k') + "... (100000 bytes)");
  // A cut never splits a multi-byte character or an escape.
  const std::string accents = std::string(30, 'a') + "ééééééééééééééééééééé";
  const std::string cut = printable(accents, 40);
  CHECK(is_valid_utf8(cut));
  CHECK(cut.size() <= 40);
  CHECK(cut.ends_with("... (72 bytes)"));
  const std::string escapes(50, '\n');
  const std::string cut_escapes = printable(escapes, 30);
  CHECK(cut_escapes == "\\n\\n\\n\\n\\n\\n\\n\\n... (50 bytes)");
  // Text that fits is never cut, even right at the limit.
  CHECK(printable(std::string(60, 'k'), 60) == std::string(60, 'k'));
}

TEST_CASE("quote escapes quotes and caps the value", "[safe_text]") {
  CHECK(quote("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(quote("a\nb") == "\"a\\nb\"");
  const std::string q = quote(std::string(1000, 'x'), 40);
  CHECK(q.size() <= 40);
  CHECK(q.front() == '"');
  CHECK(q.back() == '"');
}

TEST_CASE("terminal_line leaves printable text as it is", "[safe_text]") {
  const std::string once = printable("key\x1b]0;title\x07 and a \\ backslash");
  CHECK(terminal_line(once) == once);
  CHECK(terminal_line("raw\nline") == "raw\\nline");
  CHECK(terminal_line(std::string(5000, 'z')).size() <= 2000);
}

TEST_CASE("UTF-8 is checked as RFC 3629 defines it", "[safe_text]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("ascii"));
  CHECK(is_valid_utf8("\xc3\xa9"));              // é
  CHECK(is_valid_utf8("\xf0\x9f\x98\x80"));      // U+1F600
  CHECK(is_valid_utf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF, the last code point
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));        // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xe0\x80\xaf"));    // overlong, three bytes
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));    // a UTF-16 surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
  CHECK_FALSE(is_valid_utf8("caf\xe9"));         // Latin-1
  CHECK(first_invalid_utf8("caf\xe9") == 3);
  CHECK(first_invalid_utf8("ok") == std::string::npos);
  CHECK(repaired_utf8("caf\xe9!") == "caf\xef\xbf\xbd!");
  CHECK(is_valid_utf8(repaired_utf8("\xff\xfe\xed\xa0\x80")));
}
