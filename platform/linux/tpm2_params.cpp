#include "tpm2_params.hpp"

#include <algorithm>
#include <charconv>

#include "keyhold/encoding/byte_codec.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/encoding/hex.hpp"

namespace keyhold::platform::tpm2 {
namespace {

constexpr std::string_view kBankPrefix = "sha256:";
constexpr std::string_view kSealedPrefix = "tpm2-";
constexpr std::string_view kSealedSuffix = ".sealed";
constexpr std::uint32_t kAllPcrs = (std::uint32_t{1} << kPcrCount) - 1;

Error bad_list(std::string_view text, std::string_view why) {
    return Error{"--tpm2-pcrs '" + encoding::printable(text, 64) + "': " + std::string(why) +
                 "; give PCR numbers 0-23 separated by commas, such as 0,7 or sha256:0,7"};
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

}  // namespace

Result<PcrSelection> parse_pcr_list(std::string_view text) {
    std::string_view list = text;
    if (const auto colon = list.find(':'); colon != std::string_view::npos) {
        if (!list.starts_with(kBankPrefix)) {
            return std::unexpected(bad_list(text, "keyhold binds to the sha256 bank only"));
        }
        list.remove_prefix(kBankPrefix.size());
    }
    if (list.empty()) {
        return std::unexpected(bad_list(text, "no PCR given"));
    }
    PcrSelection selection;
    while (true) {
        const auto comma = list.find(',');
        const std::string_view number = list.substr(0, comma);
        unsigned pcr = 0;
        const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), pcr);
        // Digits only (from_chars takes no sign or space) and no leading zero: "07" is a typo
        // more often than a PCR.
        if (number.empty() || error != std::errc() || end != number.data() + number.size() ||
            (number.size() > 1 && number.front() == '0')) {
            return std::unexpected(bad_list(text, "'" + encoding::printable(number, 16) + "' is not a PCR number"));
        }
        if (pcr >= kPcrCount) {
            return std::unexpected(bad_list(text, "PCR " + std::to_string(pcr) + " does not exist"));
        }
        const std::uint32_t bit = std::uint32_t{1} << pcr;
        if ((selection.mask & bit) != 0) {
            return std::unexpected(bad_list(text, "PCR " + std::to_string(pcr) + " is listed twice"));
        }
        selection.mask |= bit;
        if (comma == std::string_view::npos) {
            return selection;
        }
        list.remove_prefix(comma + 1);
    }
}

std::string pcr_list_text(PcrSelection pcrs) {
    std::string text;
    for (unsigned pcr = 0; pcr < kPcrCount; ++pcr) {
        if ((pcrs.mask & (std::uint32_t{1} << pcr)) != 0) {
            text += (text.empty() ? std::string(kBankPrefix) : ",") + std::to_string(pcr);
        }
    }
    return text;
}

std::vector<unsigned char> encode_params(const Params& params) {
    std::vector<unsigned char> bytes(kParamsBytes);
    encoding::ByteWriter writer(bytes);
    writer.u8(kParamsFormat);
    writer.bytes(params.key_id);
    writer.u16(kSha256Bank);
    writer.u32(params.pcrs.mask);
    return bytes;
}

std::optional<Params> decode_params(std::span<const unsigned char> bytes) {
    encoding::ByteReader reader(bytes);
    const auto format = reader.u8();
    const auto key_id = reader.bytes(kKeyIdBytes);
    const auto bank = reader.u16();
    const auto mask = reader.u32();
    if (!format || *format != kParamsFormat || !key_id || !bank || *bank != kSha256Bank || !mask ||
        (*mask & ~kAllPcrs) != 0 || !reader.at_end()) {
        return std::nullopt;
    }
    Params params;
    std::copy(key_id->begin(), key_id->end(), params.key_id.begin());
    params.pcrs.mask = *mask;
    return params;
}

std::string sealed_file_name(const std::array<unsigned char, kKeyIdBytes>& key_id) {
    return std::string(kSealedPrefix) + encoding::to_hex(key_id) + std::string(kSealedSuffix);
}

std::optional<std::array<unsigned char, kKeyIdBytes>> key_id_of_sealed_file(std::string_view name) {
    if (!name.starts_with(kSealedPrefix) || !name.ends_with(kSealedSuffix) ||
        name.size() != kSealedPrefix.size() + 2 * kKeyIdBytes + kSealedSuffix.size()) {
        return std::nullopt;
    }
    const std::string_view hex = name.substr(kSealedPrefix.size(), 2 * kKeyIdBytes);
    std::array<unsigned char, kKeyIdBytes> key_id{};
    for (std::size_t i = 0; i < kKeyIdBytes; ++i) {
        const int high = hex_digit(hex[2 * i]);
        const int low = hex_digit(hex[2 * i + 1]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        key_id[i] = static_cast<unsigned char>(high * 16 + low);
    }
    return key_id;
}

}  // namespace keyhold::platform::tpm2
