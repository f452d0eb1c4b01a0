// JSON as perfloop prints and saves it, and its numbers rounded for people. Scenario texts are checked for
// UTF-8 when they load, but a document can still carry a file name or a path
// that is not; such bytes come out as U+FFFD rather than stopping the whole
// document with an exception.
#pragma once

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

namespace perfloop {

// x rounded to `decimals` places, for JSON meant to be read by people.
inline double round_to(double x, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(x * scale) / scale;
}

inline std::string json_text(const nlohmann::json& value, int indent = 2) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace perfloop
