// JSON as perfloop prints and saves it. Scenario texts are checked for
// UTF-8 when they load, but a document can still carry a file name or a path
// that is not; such bytes come out as U+FFFD rather than stopping the whole
// document with an exception.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace perfloop {

inline std::string json_text(const nlohmann::json& value, int indent = 2) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace perfloop
