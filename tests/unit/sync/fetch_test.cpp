#include "sync/fetch.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "support/catch.hpp"

using keyhold::sync::SyncSettings;
using keyhold::sync::wait_before_retry;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

std::vector<milliseconds> draws(std::optional<seconds> retry_after, int count = 200) {
    std::vector<milliseconds> waits;
    for (int i = 0; i < count; ++i) {
        waits.push_back(wait_before_retry(SyncSettings{}, 0, retry_after));
    }
    std::sort(waits.begin(), waits.end());
    return waits;
}

}  // namespace

TEST_CASE("machines answered 429 with one Retry-After come back spread over seconds, none sooner than asked",
          "[sync]") {
    // A fleet rate-limited in one second must not return in one second: exactly Retry-After
    // (the old wait) would bring all of them back at once.
    const auto waits = draws(seconds(30));
    CHECK(waits.front() >= seconds(30));
    CHECK(waits.back() <= seconds(45));
    CHECK(waits.back() - waits.front() >= seconds(5));
}

TEST_CASE("a Retry-After beyond the longest wait is cut to it, and still spread", "[sync]") {
    const auto waits = draws(seconds(100000));
    CHECK(waits.front() >= seconds(60));
    CHECK(waits.back() <= seconds(90));
    CHECK(waits.back() - waits.front() >= seconds(5));
}

TEST_CASE("Retry-After: 0 is spread over a second", "[sync]") {
    const auto waits = draws(seconds(0));
    CHECK(waits.back() <= seconds(1));
    CHECK(waits.back() > waits.front());
}

TEST_CASE("without Retry-After the backoff is between half and all of 0.5 s, 1 s, 2 s", "[sync]") {
    for (int retry = 0; retry < 3; ++retry) {
        const milliseconds ceiling = milliseconds(500) * (1 << retry);
        for (int i = 0; i < 50; ++i) {
            const milliseconds wait = wait_before_retry(SyncSettings{}, retry, std::nullopt);
            CHECK(wait >= ceiling / 2);
            CHECK(wait <= ceiling);
        }
    }
}

TEST_CASE("a Retry-After too large for milliseconds is cut to the longest wait, not wrapped", "[sync]") {
    // Retry-After: 9223372036854775807 parses as seconds; in milliseconds it overflows, and a
    // negative wait meant retrying at once, as often as the attempts allow.
    for (const seconds huge : {seconds(std::numeric_limits<std::int64_t>::max()), seconds(9223372036854776)}) {
        const auto waits = draws(huge, 20);
        CHECK(waits.front() >= seconds(60));
        CHECK(waits.back() <= seconds(90));
    }
}
