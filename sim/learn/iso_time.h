// Wall-clock instants for the quiz's review log: whole seconds since the
// Unix epoch, UTC, written as ISO-8601 text. The arithmetic is done on the
// calendar itself, never through timegm/localtime, so no TZ setting or
// time-zone database can change what a saved log means.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace perfloop {

using UnixSeconds = std::int64_t;

inline constexpr UnixSeconds kSecondsPerDay = 86400;

// Accepts a date and time with a zone: "2022-11-29T12:30:00Z", "2022-11-29T12:30Z",
// "2022-11-29T14:30:00+02:00", a space instead of the T, fractional seconds
// (dropped, never rounded up into the next second); or a date alone,
// "2022-11-29", meaning midnight UTC. A time without a zone is refused: it
// would mean a different instant on every machine. std::nullopt for
// anything else, out-of-range fields included (month 13, April 31, hour 24,
// second 60).
std::optional<UnixSeconds> parse_iso8601(std::string_view text);

// "2022-11-29T12:30:00Z".
std::string format_iso8601(UnixSeconds t);

// Days since 1970-01-01 of a date in the proleptic Gregorian calendar; the
// caller checks that the date exists.
std::int64_t days_from_civil(std::int64_t year, int month, int day);

}  // namespace perfloop
