#pragma once
// Text that came from outside (an org's answer, a client's request, a file) on its way into a
// message for a terminal or a log: always valid UTF-8, one line, bounded, with nothing a
// terminal would act on, and, for addresses, without the parts that carry credentials.

#include <cstddef>
#include <string>
#include <string_view>

namespace keyhold::encoding {

// `text` as one printable line showing at most `max_characters` of its characters ("…" marks a cut):
// control characters (C0, DEL, C1: the ESC and CSI that start terminal escape sequences) and
// the bidirectional controls that reorder what a reader sees ("Trojan Source",
// CVE-2021-42574) become visible escapes such as \x1b or \u202e, and bytes that are not
// UTF-8 become U+FFFD.
std::string printable(std::string_view text, std::size_t max_characters = 300);

// Whether `text` holds a C0 control character or DEL: what a line-based protocol or a terminal
// would act on (CR, LF, ESC, NUL, ...).
bool has_control_characters(std::string_view text);

// `text` with every byte that is not part of a UTF-8 sequence replaced by U+FFFD, and nothing
// else changed: for a server's JSON error body, which a strict parser would refuse whole.
std::string utf8_repaired(std::string_view text);

// An address as it may be shown: scheme, host, port and path only. User information
// (`user:password@`), the query and the fragment are where credentials travel, so they are
// replaced with `***`. Then printable().
std::string address_for_display(std::string_view address, std::size_t max_characters = 200);

// `text` with every occurrence of `secret` replaced by ***: for what a server may echo back,
// such as an error message or a redirect that quotes the token it was sent.
std::string with_secret_hidden(std::string_view text, std::string_view secret);

}  // namespace keyhold::encoding
