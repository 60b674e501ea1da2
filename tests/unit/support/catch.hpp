#pragma once
// Catch2 for every test file, whichever the build found (tests/CMakeLists.txt): version 2's
// single header (Debian 12's catch2 2.13) or version 3's headers (Homebrew's catch2), with the
// names these tests use from version 2 where version 3 renamed them.

#if defined(KEYHOLD_CATCH2_V3)

#include <catch2/catch_session.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <string>

namespace Catch {
// Version 3's ContainsSubstring is version 2's Contains.
inline Matchers::StringContainsMatcher Contains(const std::string& text,
                                                CaseSensitive sensitivity = CaseSensitive::Yes) {
    return Matchers::ContainsSubstring(text, sensitivity);
}
using Matchers::StartsWith;
}  // namespace Catch

#else

#include <catch2/catch.hpp>

#endif
