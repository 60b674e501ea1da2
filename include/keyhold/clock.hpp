#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace keyhold {

// Seconds since the epoch: what the store, the sync state and the key cache record.
inline std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// `unix_seconds` as RFC 3339 in UTC ("2026-11-26T08:15:02Z"), from the calendar in <chrono>:
// gmtime_r is POSIX, gmtime_s Windows'.
inline std::string rfc3339_utc(std::int64_t unix_seconds) {
    using namespace std::chrono;
    const sys_seconds time{seconds(unix_seconds)};
    const sys_days day = floor<days>(time);
    const year_month_day date{day};
    const hh_mm_ss clock{time - day};
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02lldZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<long>(clock.hours().count()), static_cast<long>(clock.minutes().count()),
                  static_cast<long long>(clock.seconds().count()));
    return text;
}

}  // namespace keyhold
