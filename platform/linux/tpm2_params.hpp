#pragma once
// What the tpm2 protector writes into the store header and reads back (docs/store-format.md,
// "tpm2 parameters"), and the PCR lists of `--tpm2-pcrs`: plain values and parsers, no TPM, so
// that unit tests and the fuzzer reach them.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/error.hpp"

namespace keyhold::platform::tpm2 {

// PCRs 0-23: the PC Client platform's (TCG PC Client Platform Firmware Profile, 3.3.4).
inline constexpr unsigned kPcrCount = 24;
// TPM2_ALG_SHA256: the one PCR bank keyhold binds to (every PC Client TPM has it).
inline constexpr std::uint16_t kSha256Bank = 0x000B;
inline constexpr std::size_t kKeyIdBytes = 16;

// A set of PCRs of the sha256 bank, as a bit mask (bit n: PCR n).
struct PcrSelection {
    std::uint32_t mask = 0;

    bool empty() const { return mask == 0; }
    bool operator==(const PcrSelection&) const = default;
};

// "0,7" or "sha256:0,7": decimal PCR numbers 0-23, each once, comma-separated, no spaces.
// The error is one line naming what is wrong.
Result<PcrSelection> parse_pcr_list(std::string_view text);

// "sha256:0,7" (empty for no PCRs): how messages and `keyhold status` name them.
std::string pcr_list_text(PcrSelection pcrs);

// The header parameters: which sealed key file holds the key, and the PCR policy it is under.
struct Params {
    std::array<unsigned char, kKeyIdBytes> key_id{};  // names the file tpm2-<hex>.sealed
    PcrSelection pcrs;
};

inline constexpr std::uint8_t kParamsFormat = 1;
// format u8 | key id (16) | PCR bank u16 LE | PCR mask u32 LE
inline constexpr std::size_t kParamsBytes = 1 + kKeyIdBytes + 2 + 4;

std::vector<unsigned char> encode_params(const Params& params);
// nullopt for anything but exactly the bytes encode_params() makes: another size, format or
// bank, or PCRs past 23.
std::optional<Params> decode_params(std::span<const unsigned char> bytes);

// The sealed key file's name in the store directory: "tpm2-" + 32 hex digits + ".sealed".
std::string sealed_file_name(const std::array<unsigned char, kKeyIdBytes>& key_id);
// Whether `name` is such a file's name; the key id it names.
std::optional<std::array<unsigned char, kKeyIdBytes>> key_id_of_sealed_file(std::string_view name);

}  // namespace keyhold::platform::tpm2
