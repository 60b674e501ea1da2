#include "support/catch.hpp"

#include "cli/duration.hpp"

using keyhold::cli::parse_duration;

TEST_CASE("durations are read as systemd timers write them", "[cli]") {
    CHECK(parse_duration("90")->count() == 90);
    CHECK(parse_duration("90s")->count() == 90);
    CHECK(parse_duration("15m")->count() == 900);
    CHECK(parse_duration("12h")->count() == 43200);
    CHECK(parse_duration("7d")->count() == 604800);
    for (const char* bad : {"", "m", "-5m", "5w", "1.5h", "5 m", "99999999999999999999d"}) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad));
    }
}
