#pragma once
// Numeric IP addresses as the OS's own parser (inet_pton) reads them: what a connection to
// that text would go to.

#include <array>
#include <optional>
#include <string_view>

namespace keyhold::platform {

std::optional<std::array<unsigned char, 4>> parse_ipv4(std::string_view text);
std::optional<std::array<unsigned char, 16>> parse_ipv6(std::string_view text);

}  // namespace keyhold::platform
