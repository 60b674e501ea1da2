#include "support/catch.hpp"

#include "keyhold/encoding/display_text.hpp"

using keyhold::encoding::address_for_display;
using keyhold::encoding::printable;

TEST_CASE("printable text keeps what a reader should see", "[encoding]") {
    CHECK(printable("registry down for maintenance") == "registry down for maintenance");
    CHECK(printable("caf\xC3\xA9 \xE2\x9C\x93") == "caf\xC3\xA9 \xE2\x9C\x93");
}

TEST_CASE("printable text shows terminal controls as escapes instead of obeying them", "[encoding]") {
    // A title change, a screen clear, a C1 CSI and a line break, each from an org's message.
    CHECK(printable("\x1b]0;owned\x07") == "\\x1b]0;owned\\x07");
    CHECK(printable("\x1b[2Jclear") == "\\x1b[2Jclear");
    CHECK(printable("\xC2\x9B" "31m") == "\\x9b31m");
    CHECK(printable("line\r\nbreak") == "line\\x0d\\x0abreak");
    CHECK(printable(std::string_view("nul\0byte", 8)) == "nul\\x00byte");
    // Trojan Source: a right-to-left override would reorder the rest of the line.
    CHECK(printable("abc\xE2\x80\xAE" "def") == "abc\\u202edef");
}

TEST_CASE("printable text is valid UTF-8 whatever bytes it was given", "[encoding]") {
    CHECK(printable("\xFF") == "\xEF\xBF\xBD");
    CHECK(printable("ok\xC3") == "ok\xEF\xBF\xBD");                  // cut mid-character
    CHECK(printable("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");        // overlong '/'
    CHECK(printable("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    CHECK(printable("\xF4\x90\x80\x80").find("\xF4") == std::string::npos);     // past U+10FFFF
}

TEST_CASE("printable text is cut on a character, never inside one", "[encoding]") {
    CHECK(printable("abcdef", 3) == "abc\xE2\x80\xA6");
    CHECK(printable("\xC3\xA9\xC3\xA9\xC3\xA9", 2) == "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
    CHECK(printable("abc", 3) == "abc");
}

TEST_CASE("an address is shown without the parts that carry credentials", "[encoding]") {
    CHECK(address_for_display("https://alice:PW@ghcr.io/team") == "https://***@ghcr.io/team");
    CHECK(address_for_display("alice:PW@ghcr.io") == "***@ghcr.io");
    CHECK(address_for_display("https://a:p@ss@host/x") == "https://***@host/x");
    CHECK(address_for_display("https://api.example.com/v1?token=SECRET#frag") == "https://api.example.com/v1?***");
    CHECK(address_for_display("https://api.example.com/v1#access_token=SECRET") == "https://api.example.com/v1#***");
    // Wherever an '@' stands, what precedes it may be a password: parsers disagree on where
    // user information ends.
    CHECK(address_for_display("https://ghcr.io/team@2") == "https://***@2");
    for (const char* tricky : {"//alice:hunter2@ghcr.io", "alice:pa/hunter2@ghcr.io", "https://alice:p/hunter2@ghcr.io",
                               "https://alice:hun?ter2@ghcr.io", "https://alice:hun#ter2@ghcr.io",
                               "alice:hunter2@ghcr.io/a?b=https://x"}) {
        INFO(tricky);
        const std::string shown = address_for_display(tricky);
        CHECK(shown.find("hunter2") == std::string::npos);
        CHECK(shown.find("ter2") == std::string::npos);
    }
    CHECK(address_for_display("http://host/\x1b[2J") == "http://host/\\x1b[2J");
}

TEST_CASE("a secret a server echoes back is hidden wherever it appears", "[encoding]") {
    using keyhold::encoding::with_secret_hidden;
    CHECK(with_secret_hidden("https://evil.example/?t=TOKEN&again=TOKEN", "TOKEN") ==
          "https://evil.example/?t=***&again=***");
    CHECK(with_secret_hidden("TOKENTOKEN", "TOKEN") == "******");
    CHECK(with_secret_hidden("nothing here", "") == "nothing here");
}

TEST_CASE("repairing UTF-8 replaces only what is not UTF-8", "[encoding]") {
    using keyhold::encoding::utf8_repaired;
    CHECK(utf8_repaired("{\"message\": \"caf\xC3\"}") == "{\"message\": \"caf\xEF\xBF\xBD\"}");
    CHECK(utf8_repaired("line\nbreak \xC3\xA9") == "line\nbreak \xC3\xA9");
}
