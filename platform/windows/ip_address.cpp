#include "keyhold/platform/ip_address.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>

#include <cstring>
#include <string>

namespace keyhold::platform {

std::optional<std::array<unsigned char, 4>> parse_ipv4(std::string_view text) {
    in_addr address{};
    if (::inet_pton(AF_INET, std::string(text).c_str(), &address) != 1) {
        return std::nullopt;
    }
    std::array<unsigned char, 4> bytes{};
    std::memcpy(bytes.data(), &address, bytes.size());
    return bytes;
}

std::optional<std::array<unsigned char, 16>> parse_ipv6(std::string_view text) {
    in6_addr address{};
    if (::inet_pton(AF_INET6, std::string(text).c_str(), &address) != 1) {
        return std::nullopt;
    }
    std::array<unsigned char, 16> bytes{};
    std::memcpy(bytes.data(), &address, bytes.size());
    return bytes;
}

}  // namespace keyhold::platform
