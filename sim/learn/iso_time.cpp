#include "sim/learn/iso_time.h"

#include <cstdio>

namespace perfloop {

namespace {

// Division that rounds towards minus infinity, so instants before 1970 fall
// on the right day.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool is_leap_year(std::int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(std::int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

struct CivilDate {
  std::int64_t year;
  int month, day;
};

// The inverse of days_from_civil, on the same March-first year.
CivilDate civil_from_days(std::int64_t days) {
  const std::int64_t shifted = days + 719468;  // days from 0000-03-01
  const std::int64_t era = floor_div(shifted, 146097);
  const std::int64_t day_of_era = shifted - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_from_march = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  const int month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  return {era * 400 + year_of_era + (month <= 2 ? 1 : 0), month, day};
}

// A cursor over the text that reads fixed-width digit fields and single
// separators; every read fails once one has failed, so a parse is a straight
// line of reads and one check at the end.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  int digits(int count) {
    int value = 0;
    for (int i = 0; i < count; ++i) {
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') {
        failed_ = true;
        return 0;
      }
      value = value * 10 + (text_[pos_++] - '0');
    }
    return value;
  }
  void expect(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) ++pos_;
    else failed_ = true;
  }
  bool next_is(char c) const { return !failed_ && pos_ < text_.size() && text_[pos_] == c; }
  void skip() { ++pos_; }
  bool at_end() const { return pos_ >= text_.size(); }
  bool ok() const { return !failed_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

// "Z", "+HH:MM" or "-HH:MM": seconds to subtract from the local time to get
// UTC, or std::nullopt.
std::optional<std::int64_t> read_zone_offset(Reader& in) {
  if (in.next_is('Z')) {
    in.skip();
    return 0;
  }
  int sign = 0;
  if (in.next_is('+')) sign = 1;
  else if (in.next_is('-')) sign = -1;
  if (sign == 0) return std::nullopt;
  in.skip();
  const int hours = in.digits(2);
  in.expect(':');
  const int minutes = in.digits(2);
  if (!in.ok() || hours > 23 || minutes > 59) return std::nullopt;
  return sign * (hours * 3600 + minutes * 60);
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  // Counting years from March puts the leap day last, so a month's first
  // day is a linear formula of its number (153 days per five months).
  const std::int64_t march_year = month <= 2 ? year - 1 : year;
  const std::int64_t era = floor_div(march_year, 400);
  const std::int64_t year_of_era = march_year - era * 400;
  const std::int64_t month_from_march = month > 2 ? month - 3 : month + 9;
  const std::int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

std::optional<UnixSeconds> parse_iso8601(std::string_view text) {
  Reader in(text);
  const int year = in.digits(4);
  in.expect('-');
  const int month = in.digits(2);
  in.expect('-');
  const int day = in.digits(2);
  if (!in.ok() || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  const std::int64_t midnight = days_from_civil(year, month, day) * kSecondsPerDay;
  if (in.at_end()) return midnight;

  if (in.next_is('T') || in.next_is(' ')) in.skip();
  else return std::nullopt;
  const int hour = in.digits(2);
  in.expect(':');
  const int minute = in.digits(2);
  int second = 0;
  if (in.next_is(':')) {
    in.skip();
    second = in.digits(2);
    if (in.next_is('.')) {
      in.skip();
      in.digits(1);  // at least one digit after the point
      while (in.ok() && !in.at_end() && !in.next_is('Z') && !in.next_is('+') && !in.next_is('-')) in.digits(1);
    }
  }
  if (!in.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const std::optional<std::int64_t> offset = read_zone_offset(in);
  if (!offset || !in.at_end()) return std::nullopt;
  return midnight + hour * 3600 + minute * 60 + second - *offset;
}

std::string format_iso8601(UnixSeconds t) {
  const std::int64_t days = floor_div(t, kSecondsPerDay);
  const std::int64_t of_day = t - days * kSecondsPerDay;
  const CivilDate date = civil_from_days(days);
  char text[64];
  std::snprintf(text, sizeof text, "%04lld-%02d-%02dT%02d:%02d:%02dZ", static_cast<long long>(date.year), date.month,
                date.day, static_cast<int>(of_day / 3600), static_cast<int>(of_day / 60 % 60),
                static_cast<int>(of_day % 60));
  return text;
}

}  // namespace perfloop
