#include "support/catch.hpp"

#include <sys/resource.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

// The test runner's main() calls harden_process(), as every keyhold main does.

TEST_CASE("a hardened process writes no core file", "[platform][process]") {
    struct rlimit core {};
    REQUIRE(::getrlimit(RLIMIT_CORE, &core) == 0);
    CHECK(core.rlim_cur == 0);
    CHECK(core.rlim_max == 0);
}

#if defined(__linux__)
// macOS's counterpart, ptrace(PT_DENY_ATTACH), leaves nothing a test can read back.
TEST_CASE("a hardened process cannot be dumped or ptraced by the user's other processes", "[platform][process]") {
    if (KEYHOLD_SANITIZED) {
        WARN("SKIPPED: sanitizer builds stay dumpable for LeakSanitizer");
        return;
    }
    CHECK(::prctl(PR_GET_DUMPABLE) == 0);
}
#endif
