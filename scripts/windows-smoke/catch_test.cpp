#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <sodium.h>
#include <expected>
#include <thread>

TEST_CASE("sodium initialises", "[sodium]") { REQUIRE(sodium_init() >= 0); }
TEST_CASE("a thread joins", "[thread]") {
    int v = 0;
    std::thread t([&] { v = 42; });
    t.join();
    REQUIRE(v == 42);
}
TEST_CASE("std::expected holds an error", "[expected]") {
    std::expected<int, std::string> e = std::unexpected("no");
    REQUIRE(!e.has_value());
    REQUIRE(e.error() == "no");
}
