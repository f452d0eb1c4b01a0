// A catalogue scenario with one line changed: how the claim tests make a
// scenario that claims something false without keeping a copy of it.
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "test_support.h"

namespace perfloop::test {

// The text of `relative_path` with `from` replaced by `to`. `from` must
// occur once and lie within one line, so the variant differs by one line.
inline std::string one_line_changed(const std::string& relative_path, const std::string& from, const std::string& to) {
  std::ifstream in(source_path(relative_path));
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(s.find(from, at + 1) == std::string::npos);
  REQUIRE(from.find('\n') == std::string::npos);
  REQUIRE(to.find('\n') == std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace perfloop::test
