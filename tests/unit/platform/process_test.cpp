#include <catch2/catch.hpp>

#include <sys/prctl.h>
#include <sys/resource.h>

// The test runner's main() calls harden_process(), as every keyhold main does.

TEST_CASE("a hardened process writes no core file", "[platform][process]") {
    struct rlimit core {};
    REQUIRE(::getrlimit(RLIMIT_CORE, &core) == 0);
    CHECK(core.rlim_cur == 0);
    CHECK(core.rlim_max == 0);
}

TEST_CASE("a hardened process cannot be dumped or ptraced by the user's other processes", "[platform][process]") {
    if (KEYHOLD_SANITIZED) {
        WARN("SKIPPED: sanitizer builds stay dumpable for LeakSanitizer");
        return;
    }
    CHECK(::prctl(PR_GET_DUMPABLE) == 0);
}
