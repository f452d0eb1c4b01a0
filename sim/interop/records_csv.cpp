// Learning records as one CSV table for a spreadsheet: RFC 4180 (CRLF line
// ends, fields with a comma, quote or line break in double quotes), and no
// cell a spreadsheet would run as a formula.
#include <cstdio>
#include <iterator>

#include "sim/interop/learning_records.h"
#include "sim/io/safe_text.h"

namespace perfloop {

namespace {

constexpr const char* kHeader =
    "learner,mode,record,scenario_or_item,bottleneck,step,score,max,success,duration_s,detect_s,mttr_s,time,statement_id";

std::string quoted_if_needed(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Text from the data folder (a team's name, a scenario id): a leading
// = + - @, tab or CR would make a spreadsheet run it as a formula
// (OWASP's CSV injection), so such a cell starts with a ' instead.
std::string text_field(const std::string& text) {
  std::string field = repaired_utf8(text);
  if (!field.empty() && std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos) field = "'" + field;
  return quoted_if_needed(field);
}

// Our own numbers, never negative: no quoting or defusing needed.
std::string number_field(double value) {
  char text[48];
  std::snprintf(text, sizeof text, "%.2f", value);
  std::string out = text;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

std::string optional_number(const std::optional<double>& value) { return value ? number_field(*value) : ""; }

}  // namespace

std::string records_csv(const std::vector<LearningRecord>& records) {
  std::string csv = std::string(kHeader) + "\r\n";
  for (const LearningRecord& r : records) {
    const bool review = r.kind == RecordKind::Review;
    const std::string fields[] = {
        text_field(r.actor),
        text_field(r.mode),
        record_kind_name(r.kind),
        text_field(review ? r.item : r.scenario),
        text_field(r.bottleneck),
        text_field(r.step),
        number_field(r.score),
        number_field(r.max),
        r.success ? (*r.success ? "true" : "false") : "",
        optional_number(r.duration_s),
        optional_number(r.detect_s),
        optional_number(r.mttr_s),
        format_iso8601(r.time),
        r.id,
    };
    for (std::size_t i = 0; i < std::size(fields); ++i) csv += (i ? "," : "") + fields[i];
    csv += "\r\n";
  }
  return csv;
}

}  // namespace perfloop
