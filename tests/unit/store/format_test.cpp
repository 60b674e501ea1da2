#include "support/catch.hpp"

#include "keyhold/crypto/aead.hpp"
#include "keyhold/store/format.hpp"

using namespace keyhold;
using store::Entry;
using store::EntryKind;

namespace {

std::vector<Entry> sample_entries() {
    Entry registry;
    registry.kind = EntryKind::registry;
    registry.key = "ghcr.io/team-a";
    registry.label = "https://ghcr.io/team-a";
    registry.username = "build-bot";
    registry.secret = crypto::SecretView("ghp_secret");
    registry.origin = "acme";
    registry.created_at = 1700000000;
    registry.updated_at = 1700000100;

    Entry git;
    git.kind = EntryKind::git;
    git.key = "https://github.com";
    git.label = "https://github.com";
    git.username = "alice";
    git.secret = crypto::SecretView(std::string_view("pa\0ss", 5));
    git.expires_at = 1900000000;
    git.extras.push_back({"oauth_refresh_token", crypto::SecretView("refresh")});
    return {registry, git};
}

store::StoreHeader sample_header() {
    store::StoreHeader header;
    crypto::fill_random(header.store_id);
    header.generation = 7;
    header.protector = "passphrase";
    header.protector_params = {1, 2, 3, 4};
    header.body_nonce = crypto::random_nonce();
    return header;
}

std::vector<unsigned char> sealed_sample(const crypto::SecureBuffer& key) {
    const auto entries = sample_entries();
    return store::seal_store_file(sample_header(), store::encode_entries(entries), key);
}

// What a reader gets from a file: the plaintext, or nothing when anything does not check out.
std::optional<crypto::SecureBuffer> read_back(std::span<const unsigned char> file, const crypto::SecureBuffer& key) {
    auto view = store::parse_store_file(file);
    if (!view) {
        return std::nullopt;
    }
    return store::open_store_body(*view, key);
}

}  // namespace

TEST_CASE("entries survive encoding and decoding field for field", "[store][format]") {
    const auto entries = sample_entries();
    const crypto::SecureBuffer plaintext = store::encode_entries(entries);
    auto decoded = store::decode_entries(plaintext);
    REQUIRE(decoded);
    REQUIRE(decoded->size() == 2);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        CHECK(store::same_content((*decoded)[i], entries[i]));
        CHECK((*decoded)[i].created_at == entries[i].created_at);
        CHECK((*decoded)[i].updated_at == entries[i].updated_at);
    }
    CHECK((*decoded)[1].secret.expose() == std::string_view("pa\0ss", 5));
    CHECK((*decoded)[1].extras[0].value.expose() == "refresh");
}

TEST_CASE("a sealed store opens under its key and shows nothing in the clear", "[store][format]") {
    const crypto::SecureBuffer key = crypto::random_key();
    const auto file = sealed_sample(key);
    auto plaintext = read_back(file, key);
    REQUIRE(plaintext);
    REQUIRE(store::decode_entries(*plaintext));
    const std::string_view bytes(reinterpret_cast<const char*>(file.data()), file.size());
    for (const char* visible : {"ghp_secret", "build-bot", "ghcr.io", "github.com", "refresh", "alice"}) {
        INFO(visible);
        CHECK(bytes.find(visible) == std::string_view::npos);
    }
}

TEST_CASE("the header fields read back as written", "[store][format]") {
    const crypto::SecureBuffer key = crypto::random_key();
    const store::StoreHeader header = sample_header();
    const auto file = store::seal_store_file(header, store::encode_entries({}), key);
    auto view = store::parse_store_file(file);
    REQUIRE(view);
    CHECK(view->header.store_id == header.store_id);
    CHECK(view->header.generation == 7);
    CHECK(view->header.protector == "passphrase");
    CHECK(view->header.protector_params == header.protector_params);
    CHECK(view->header.body_nonce == header.body_nonce);
}

TEST_CASE("flipping any single bit of the file is detected", "[store][format][tamper]") {
    const crypto::SecureBuffer key = crypto::random_key();
    const auto file = sealed_sample(key);
    for (std::size_t position = 0; position < file.size(); ++position) {
        for (const unsigned char bit : {0x01, 0x80}) {
            auto tampered = file;
            tampered[position] ^= bit;
            INFO("byte " << position << " bit " << int(bit));
            CHECK_FALSE(read_back(tampered, key));
        }
    }
}

TEST_CASE("every truncation of the file is detected", "[store][format][tamper]") {
    const crypto::SecureBuffer key = crypto::random_key();
    const auto file = sealed_sample(key);
    for (std::size_t length = 0; length < file.size(); ++length) {
        INFO("length " << length);
        CHECK_FALSE(read_back(std::span(file).first(length), key));
    }
}

TEST_CASE("bytes appended to the file are detected", "[store][format][tamper]") {
    const crypto::SecureBuffer key = crypto::random_key();
    auto file = sealed_sample(key);
    file.push_back(0);
    CHECK_FALSE(read_back(file, key));
}

TEST_CASE("a header from another write or another store does not fit the body", "[store][format][tamper]") {
    const crypto::SecureBuffer key = crypto::random_key();
    const auto entries = sample_entries();
    store::StoreHeader header = sample_header();
    const auto older = store::seal_store_file(header, store::encode_entries(entries), key);
    header.generation += 1;
    header.body_nonce = crypto::random_nonce();
    const auto newer = store::seal_store_file(header, store::encode_entries({}), key);

    auto older_view = store::parse_store_file(older);
    auto newer_view = store::parse_store_file(newer);
    REQUIRE(older_view);
    REQUIRE(newer_view);
    // The newer header spliced onto the older body, as a piecewise rollback would.
    std::vector<unsigned char> spliced(newer_view->header_bytes.begin(), newer_view->header_bytes.end());
    spliced.insert(spliced.end(), older_view->ciphertext.begin(), older_view->ciphertext.end());
    CHECK_FALSE(read_back(spliced, key));
}

TEST_CASE("a store does not open under another store's key", "[store][format][tamper]") {
    const auto file = sealed_sample(crypto::random_key());
    CHECK_FALSE(read_back(file, crypto::random_key()));
}

TEST_CASE("structural damage is named", "[store][format]") {
    const crypto::SecureBuffer key = crypto::random_key();
    auto file = sealed_sample(key);

    auto not_ours = file;
    not_ours[0] = 'X';
    CHECK(store::parse_store_file(not_ours).error().message == "it is not a keyhold store file");

    auto future = file;
    future[8] = 9;
    CHECK(store::parse_store_file(future).error().message ==
          "it has format version 9, which this keyhold (format 1) cannot read");

    CHECK(store::parse_store_file(std::span(file).first(20)).error().message == "the file is truncated");
    CHECK(store::parse_store_file({}).error().message == "the file is truncated");
}

TEST_CASE("a plaintext that is cut short or overlong is refused", "[store][format]") {
    const auto entries = sample_entries();
    const crypto::SecureBuffer plaintext = store::encode_entries(entries);
    for (std::size_t length = 0; length < plaintext.size(); ++length) {
        crypto::SecureBuffer shorter = crypto::SecureBuffer::copy_of(plaintext.bytes().first(length));
        INFO("length " << length);
        CHECK_FALSE(store::decode_entries(shorter));
    }
    crypto::SecureBuffer longer(plaintext.size() + 1);
    std::copy(plaintext.bytes().begin(), plaintext.bytes().end(), longer.data());
    longer.data()[plaintext.size()] = 0;
    CHECK_FALSE(store::decode_entries(longer));
}
