#include "keyhold/store/format.hpp"

#include <algorithm>
#include <cassert>

#include "keyhold/encoding/byte_codec.hpp"
#include "keyhold/encoding/hex.hpp"

namespace keyhold::store {
namespace {

using encoding::ByteReader;
using encoding::ByteWriter;

constexpr std::size_t kFixedHeaderBytes = kStoreMagic.size() + 2 /*version*/ + 2 /*header size*/ +
                                          sizeof(StoreId) + 8 /*generation*/ + 1 /*name length*/ +
                                          2 /*params length*/ + crypto::kNonceBytes;

constexpr std::uint8_t kHasExpiry = 0x01;
constexpr std::uint8_t kKnownFlags = kHasExpiry;

bool known_kind(std::uint8_t kind) {
    return kind >= static_cast<std::uint8_t>(EntryKind::registry) &&
           kind <= static_cast<std::uint8_t>(EntryKind::source_token);
}

std::size_t encoded_size(const Entry& entry) {
    std::size_t size = 1 + 1 + 8 + 8 + (entry.expires_at ? 8 : 0);
    for (std::string_view field : {entry.key, entry.label, entry.username, entry.origin, entry.secret.expose()}) {
        size += 4 + field.size();
    }
    size += 2;
    for (const ExtraField& extra : entry.extras) {
        size += 4 + extra.name.size() + 4 + extra.value.size();
    }
    return size;
}

Result<Entry> decode_entry(ByteReader& reader) {
    const auto damaged = [] { return fail("an entry is cut short"); };
    Entry entry;
    auto kind = reader.u8();
    auto flags = reader.u8();
    auto created = reader.u64();
    auto updated = reader.u64();
    if (!kind || !flags || !created || !updated) {
        return damaged();
    }
    if (!known_kind(*kind) || (*flags & ~kKnownFlags) != 0) {
        return fail("an entry has an unknown kind or flags");
    }
    entry.kind = static_cast<EntryKind>(*kind);
    entry.created_at = static_cast<std::int64_t>(*created);
    entry.updated_at = static_cast<std::int64_t>(*updated);
    if (*flags & kHasExpiry) {
        auto expires = reader.u64();
        if (!expires) {
            return damaged();
        }
        entry.expires_at = static_cast<std::int64_t>(*expires);
    }
    auto key = reader.counted();
    auto label = reader.counted();
    auto username = reader.counted();
    auto origin = reader.counted();
    auto secret = reader.counted();
    auto extra_count = reader.u16();
    if (!key || !label || !username || !origin || !secret || !extra_count) {
        return damaged();
    }
    entry.key = *key;
    entry.label = *label;
    entry.username = *username;
    entry.origin = *origin;
    entry.secret = crypto::SecretView(*secret);
    for (std::uint16_t i = 0; i < *extra_count; ++i) {
        auto name = reader.counted();
        auto value = reader.counted();
        if (!name || !value) {
            return damaged();
        }
        entry.extras.push_back({*name, crypto::SecretView(*value)});
    }
    return entry;
}

}  // namespace

std::string to_hex(const StoreId& id) { return encoding::to_hex(id); }

std::vector<unsigned char> encode_header(const StoreHeader& header) {
    assert(!header.protector.empty() && header.protector.size() <= kMaxProtectorNameBytes);
    assert(header.protector_params.size() <= kMaxProtectorParamsBytes);
    std::vector<unsigned char> bytes(kFixedHeaderBytes + header.protector.size() + header.protector_params.size());
    ByteWriter writer(bytes);
    writer.bytes(kStoreMagic);
    writer.u16(kStoreFormatVersion);
    writer.u16(static_cast<std::uint16_t>(bytes.size()));
    writer.bytes(header.store_id);
    writer.u64(header.generation);
    writer.u8(static_cast<std::uint8_t>(header.protector.size()));
    writer.text(header.protector);
    writer.u16(static_cast<std::uint16_t>(header.protector_params.size()));
    writer.bytes(header.protector_params);
    writer.bytes(header.body_nonce);
    return bytes;
}

Result<StoreFileView> parse_store_file(std::span<const unsigned char> file) {
    ByteReader reader(file);
    auto magic = reader.bytes(kStoreMagic.size());
    if (!magic || !std::equal(magic->begin(), magic->end(), kStoreMagic.begin())) {
        return fail(file.size() < kStoreMagic.size() ? "the file is truncated" : "it is not a keyhold store file");
    }
    auto version = reader.u16();
    auto header_size = reader.u16();
    if (!version || !header_size) {
        return fail("the file is truncated");
    }
    if (*version != kStoreFormatVersion) {
        return fail("it has format version " + std::to_string(*version) + ", which this keyhold (format " +
                    std::to_string(kStoreFormatVersion) + ") cannot read");
    }
    if (*header_size > file.size()) {
        return fail("the file is truncated");
    }

    StoreFileView view;
    StoreHeader& header = view.header;
    auto id = reader.bytes(sizeof(StoreId));
    auto generation = reader.u64();
    auto name_length = reader.u8();
    if (!id || !generation || !name_length || *name_length == 0 || *name_length > kMaxProtectorNameBytes) {
        return fail("its header is damaged");
    }
    auto name = reader.text(*name_length);
    auto params_length = reader.u16();
    if (!name || !params_length || *params_length > kMaxProtectorParamsBytes) {
        return fail("its header is damaged");
    }
    auto params = reader.bytes(*params_length);
    auto nonce = reader.bytes(crypto::kNonceBytes);
    if (!params || !nonce || reader.position() != *header_size) {
        return fail("its header is damaged");
    }
    std::copy(id->begin(), id->end(), header.store_id.begin());
    header.generation = *generation;
    header.protector.assign(*name);
    header.protector_params.assign(params->begin(), params->end());
    std::copy(nonce->begin(), nonce->end(), header.body_nonce.begin());

    view.header_bytes = file.first(*header_size);
    view.ciphertext = file.subspan(*header_size);
    if (view.ciphertext.size() < crypto::kTagBytes) {
        return fail("the file is truncated");
    }
    return view;
}

crypto::SecureBuffer encode_entries(std::span<const Entry> entries) {
    std::size_t size = 4;
    for (const Entry& entry : entries) {
        size += encoded_size(entry);
    }
    crypto::SecureBuffer plaintext(size);
    ByteWriter writer(plaintext.bytes());
    writer.u32(static_cast<std::uint32_t>(entries.size()));
    for (const Entry& entry : entries) {
        writer.u8(static_cast<std::uint8_t>(entry.kind));
        writer.u8(entry.expires_at ? kHasExpiry : 0);
        writer.u64(static_cast<std::uint64_t>(entry.created_at));
        writer.u64(static_cast<std::uint64_t>(entry.updated_at));
        if (entry.expires_at) {
            writer.u64(static_cast<std::uint64_t>(*entry.expires_at));
        }
        writer.counted(entry.key);
        writer.counted(entry.label);
        writer.counted(entry.username);
        writer.counted(entry.origin);
        writer.counted(entry.secret.expose());
        writer.u16(static_cast<std::uint16_t>(entry.extras.size()));
        for (const ExtraField& extra : entry.extras) {
            writer.counted(extra.name);
            writer.counted(extra.value.expose());
        }
    }
    return plaintext;
}

Result<std::vector<Entry>> decode_entries(const crypto::SecureBuffer& plaintext) {
    ByteReader reader(plaintext.bytes());
    auto count = reader.u32();
    if (!count) {
        return fail("its entry table is cut short");
    }
    std::vector<Entry> entries;
    // Each entry takes at least 40 bytes: never reserve more than the plaintext can hold.
    entries.reserve(std::min<std::size_t>(*count, plaintext.size() / 40));
    for (std::uint32_t i = 0; i < *count; ++i) {
        auto entry = decode_entry(reader);
        if (!entry) {
            return std::unexpected(entry.error());
        }
        entries.push_back(std::move(*entry));
    }
    if (!reader.at_end()) {
        return fail("it has bytes after its last entry");
    }
    return entries;
}

std::vector<unsigned char> seal_store_file(const StoreHeader& header, const crypto::SecureBuffer& plaintext,
                                           const crypto::SecureBuffer& data_key) {
    std::vector<unsigned char> file = encode_header(header);
    std::vector<unsigned char> ciphertext = crypto::seal(plaintext.bytes(), file, header.body_nonce, data_key);
    file.insert(file.end(), ciphertext.begin(), ciphertext.end());
    return file;
}

std::optional<crypto::SecureBuffer> open_store_body(const StoreFileView& file, const crypto::SecureBuffer& data_key) {
    return crypto::open(file.ciphertext, file.header_bytes, file.header.body_nonce, data_key);
}

}  // namespace keyhold::store
