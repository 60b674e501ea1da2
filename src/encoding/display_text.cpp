#include "keyhold/encoding/display_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace keyhold::encoding {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026

struct Decoded {
    char32_t code_point = 0;
    std::size_t length = 0;
};

// One UTF-8 sequence at the start of `text` (RFC 3629: shortest form, no surrogates, at most
// U+10FFFF), or nullopt for a byte that does not start one.
std::optional<Decoded> decode_one(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) {
        return Decoded{lead, 1};
    }
    std::size_t length = 0;
    char32_t code_point = 0;
    char32_t smallest = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2, code_point = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3, code_point = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4, code_point = lead & 0x07, smallest = 0x10000;
    } else {
        return std::nullopt;
    }
    if (text.size() < length) {
        return std::nullopt;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) {
            return std::nullopt;
        }
        code_point = (code_point << 6) | (byte(i) & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
        return std::nullopt;
    }
    return Decoded{code_point, length};
}

bool is_control(char32_t code_point) {
    return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

// Marks that reorder text on screen: LRE..RLO, LRI..PDI, and the implicit marks.
bool is_bidirectional_control(char32_t code_point) {
    return (code_point >= 0x202A && code_point <= 0x202E) || (code_point >= 0x2066 && code_point <= 0x2069) ||
           code_point == 0x200E || code_point == 0x200F || code_point == 0x061C;
}

std::string escaped(char32_t code_point) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    std::string text = code_point < 0x100 ? "\\x" : "\\u";
    for (int shift = code_point < 0x100 ? 4 : 12; shift >= 0; shift -= 4) {
        text += kDigits[(code_point >> shift) & 0xF];
    }
    return text;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_characters) {
    std::string line;
    std::size_t characters = 0;
    while (!text.empty()) {
        if (characters == max_characters) {
            line += kEllipsis;
            break;
        }
        const auto decoded = decode_one(text);
        if (!decoded) {
            line += kReplacement;
            text.remove_prefix(1);
        } else {
            if (is_control(decoded->code_point) || is_bidirectional_control(decoded->code_point)) {
                line += escaped(decoded->code_point);
            } else {
                line += text.substr(0, decoded->length);
            }
            text.remove_prefix(decoded->length);
        }
        ++characters;
    }
    return line;
}

bool has_control_characters(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
}

std::string utf8_repaired(std::string_view text) {
    std::string repaired;
    repaired.reserve(text.size());
    while (!text.empty()) {
        const auto decoded = decode_one(text);
        const std::size_t length = decoded ? decoded->length : 1;
        repaired += decoded ? text.substr(0, length) : kReplacement;
        text.remove_prefix(length);
    }
    return repaired;
}

std::string address_for_display(std::string_view address, std::size_t max_characters) {
    std::string shown;
    std::string_view rest = address;
    // A scheme only at the very start ("https://"), never one found further on, in a query.
    const auto scheme_end = rest.find("://");
    const bool has_scheme = scheme_end != std::string_view::npos && scheme_end > 0 &&
                            std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(scheme_end), [](char c) {
                                return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
                            });
    if (has_scheme) {
        shown = rest.substr(0, scheme_end + 3);
        rest.remove_prefix(scheme_end + 3);
    }
    // Whatever stands before the last '@' may be a password: parsers disagree on where user
    // information ends (a password may hold '/', '?', '#' or '@'), so all of it goes. An '@'
    // in a path costs only the path's start.
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        shown += "***@";
        rest.remove_prefix(at + 1);
    }
    const auto query_start = rest.find_first_of("?#");
    shown += rest.substr(0, query_start);
    if (query_start != std::string_view::npos) {
        shown += rest[query_start];
        shown += "***";
    }
    return printable(shown, max_characters);
}

std::string with_secret_hidden(std::string_view text, std::string_view secret) {
    std::string hidden(text);
    if (secret.empty()) {
        return hidden;
    }
    for (auto at = hidden.find(secret); at != std::string::npos; at = hidden.find(secret, at + 3)) {
        hidden.replace(at, secret.size(), "***");
    }
    return hidden;
}

}  // namespace keyhold::encoding
