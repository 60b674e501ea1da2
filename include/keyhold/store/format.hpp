#pragma once
// The store file, byte for byte (docs/store-format.md): an authenticated header, then the
// entries encrypted as one XChaCha20-Poly1305 message whose associated data is that header.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"
#include "keyhold/store/entry.hpp"

namespace keyhold::store {

inline constexpr std::array<unsigned char, 8> kStoreMagic = {'K', 'E', 'Y', 'H', 'O', 'L', 'D', 0x1a};
inline constexpr std::uint16_t kStoreFormatVersion = 1;
inline constexpr std::size_t kMaxProtectorNameBytes = 32;
inline constexpr std::size_t kMaxProtectorParamsBytes = 4096;
// A store file larger than this is refused before it is read: 256 MiB holds millions of entries.
inline constexpr std::size_t kMaxStoreFileBytes = std::size_t{256} << 20;

using StoreId = std::array<unsigned char, 16>;
std::string to_hex(const StoreId& id);

struct StoreHeader {
    StoreId store_id{};
    std::uint64_t generation = 0;  // +1 on every write; a smaller one than seen before is a rollback
    std::string protector;
    std::vector<unsigned char> protector_params;
    crypto::Nonce body_nonce{};
};

std::vector<unsigned char> encode_header(const StoreHeader& header);

struct StoreFileView {
    StoreHeader header;
    std::span<const unsigned char> header_bytes;  // the associated data
    std::span<const unsigned char> ciphertext;
};

// Structural checks only: magic, version, lengths. Authenticity needs the key (open_body).
Result<StoreFileView> parse_store_file(std::span<const unsigned char> file);

// Serializes entries (and their secrets) into secure memory.
crypto::SecureBuffer encode_entries(std::span<const Entry> entries);

// Entries viewing into `plaintext`, which must outlive them.
Result<std::vector<Entry>> decode_entries(const crypto::SecureBuffer& plaintext);

// The whole file for `header` (whose nonce must be fresh) and the encoded entries.
std::vector<unsigned char> seal_store_file(const StoreHeader& header, const crypto::SecureBuffer& plaintext,
                                           const crypto::SecureBuffer& data_key);

// nullopt when the header, the ciphertext and the key do not belong together.
std::optional<crypto::SecureBuffer> open_store_body(const StoreFileView& file,
                                                    const crypto::SecureBuffer& data_key);

}  // namespace keyhold::store
