#include "passphrase_protector.hpp"

#include <sodium.h>

#include <cstdlib>
#include <optional>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/crypto/password_kdf.hpp"
#include "keyhold/encoding/byte_codec.hpp"
#include "keyhold/platform/files.hpp"
#include "keyhold/platform/process.hpp"

namespace keyhold::platform {
namespace {

constexpr const char* kPassphraseVariable = "KEYHOLD_PASSPHRASE";
// The passphrase a re-key wraps the new key with, when it is not the one that unlocks the store.
constexpr const char* kNewPassphraseVariable = "KEYHOLD_NEW_PASSPHRASE";
constexpr std::uint8_t kParamsVersion = 1;  // Argon2id + XChaCha20-Poly1305 key wrap
constexpr std::size_t kSaltBytes = sizeof(crypto::PasswordKdfParams::salt);
constexpr std::size_t kWrappedKeyBytes = crypto::kKeyBytes + crypto::kTagBytes;
constexpr std::size_t kParamsBytes = 1 + kSaltBytes + 8 + 8 + crypto::kNonceBytes + kWrappedKeyBytes;

struct WrapParams {
    crypto::PasswordKdfParams kdf;
    crypto::Nonce nonce{};
    std::array<unsigned char, kWrappedKeyBytes> wrapped_key{};
};

std::vector<unsigned char> encode(const WrapParams& params) {
    std::vector<unsigned char> bytes(kParamsBytes);
    encoding::ByteWriter writer(bytes);
    writer.u8(kParamsVersion);
    writer.bytes(params.kdf.salt);
    writer.u64(params.kdf.opslimit);
    writer.u64(params.kdf.memlimit);
    writer.bytes(params.nonce);
    writer.bytes(params.wrapped_key);
    return bytes;
}

std::optional<WrapParams> decode(std::span<const unsigned char> bytes) {
    encoding::ByteReader reader(bytes);
    WrapParams params;
    auto version = reader.u8();
    auto salt = reader.bytes(kSaltBytes);
    auto opslimit = reader.u64();
    auto memlimit = reader.u64();
    auto nonce = reader.bytes(crypto::kNonceBytes);
    auto wrapped = reader.bytes(kWrappedKeyBytes);
    if (!version || *version != kParamsVersion || !salt || !opslimit || !memlimit || !nonce || !wrapped ||
        !reader.at_end()) {
        return std::nullopt;
    }
    std::copy(salt->begin(), salt->end(), params.kdf.salt.begin());
    params.kdf.opslimit = *opslimit;
    params.kdf.memlimit = *memlimit;
    std::copy(nonce->begin(), nonce->end(), params.nonce.begin());
    std::copy(wrapped->begin(), wrapped->end(), params.wrapped_key.begin());
    return params;
}

// The wrapped key is bound to its store: a header's wrapped key pasted into another store's
// header does not unwrap there.
std::vector<unsigned char> wrap_associated_data(const StoreIdentity& store) {
    const std::string text = "keyhold data key v1 " + store.store_id;
    return {text.begin(), text.end()};
}

// Longer than any passphrase a person types or a CI system generates; a file over it is not one.
constexpr std::size_t kMaxPassphraseFileBytes = 4096;

// VARIABLE, or the file VARIABLE_FILE names: systemd's LoadCredential= and CI systems' file
// variables hand a secret as a file, which keeps it out of every process's environment.
Result<std::optional<crypto::SecureBuffer>> passphrase_from_environment(std::string_view variable) {
    const std::string file_variable = std::string(variable) + "_FILE";
    const char* value = std::getenv(std::string(variable).c_str());
    const char* file = std::getenv(file_variable.c_str());
    if (value != nullptr && file != nullptr) {
        return fail("both " + std::string(variable) + " and " + file_variable + " are set; keep one");
    }
    if (value != nullptr) {
        return crypto::SecureBuffer::copy_of(std::string_view(value));
    }
    if (file == nullptr) {
        return std::optional<crypto::SecureBuffer>();
    }
    auto bytes = read_secret_file(file, kMaxPassphraseFileBytes);
    if (!bytes) {
        return fail(file_variable + ": " + bytes.error().message);
    }
    if (!*bytes) {
        return fail(file_variable + " names " + std::string(file) + ", which does not exist");
    }
    std::vector<unsigned char>& passphrase = **bytes;
    // Files end in a newline (echo, editors, systemd-creds); a passphrase does not.
    std::size_t length = passphrase.size();
    if (length > 0 && passphrase[length - 1] == '\n') {
        --length;
        if (length > 0 && passphrase[length - 1] == '\r') {
            --length;
        }
    }
    auto secure = crypto::SecureBuffer::copy_of(std::span<const unsigned char>(passphrase.data(), length));
    sodium_memzero(passphrase.data(), passphrase.size());
    return std::optional(std::move(secure));
}

// Met mostly by a helper once the key cache has expired: the helpers never ask anyone.
Error no_passphrase(const StoreIdentity& store, std::string_view why) {
    return Error{"the keyhold store in " + store.directory.string() + " is protected by a passphrase and " +
                 std::string(why) +
                 ": run `keyhold unlock` (its key is then cached for the helpers for a while), or, where no one "
                 "can type it, set KEYHOLD_PASSPHRASE or KEYHOLD_PASSPHRASE_FILE"};
}

Result<crypto::SecureBuffer> passphrase_for_unlock(const StoreIdentity& store) {
    auto from_environment = passphrase_from_environment(kPassphraseVariable);
    if (!from_environment) {
        return std::unexpected(from_environment.error());
    }
    if (*from_environment) {
        return std::move(**from_environment);
    }
    auto typed = prompt_for_secret("keyhold passphrase for " + store.directory.string() + ": ");
    if (!typed) {
        return std::unexpected(no_passphrase(store, typed.error().message));
    }
    return typed;
}

Result<crypto::SecureBuffer> passphrase_for_new_key(const StoreIdentity& store, NewKeyFor purpose) {
    std::optional<crypto::SecureBuffer> from_environment;
    for (const char* variable : {kNewPassphraseVariable, kPassphraseVariable}) {
        if (variable == kNewPassphraseVariable && purpose != NewKeyFor::rekey) {
            continue;
        }
        auto found = passphrase_from_environment(variable);
        if (!found) {
            return std::unexpected(found.error());
        }
        if (*found) {
            from_environment = std::move(*found);
            break;
        }
    }
    const bool typed = !from_environment;
    auto chosen = typed ? prompt_for_secret("new keyhold passphrase for " + store.directory.string() + ": ")
                        : Result<crypto::SecureBuffer>(std::move(*from_environment));
    if (!chosen) {
        return fail("a passphrase for the keyhold store in " + store.directory.string() + " is needed and " +
                    chosen.error().message +
                    ": set KEYHOLD_PASSPHRASE (KEYHOLD_NEW_PASSPHRASE for a re-key), or "
                    "run keyhold from a terminal");
    }
    if (chosen->empty()) {
        return fail("refusing an empty passphrase for the keyhold store in " + store.directory.string());
    }
    if (typed) {
        auto repeated = prompt_for_secret("repeat the passphrase: ");
        if (!repeated || !crypto::SecretView(repeated->text()).same_as(crypto::SecretView(chosen->text()))) {
            return fail("the two passphrases differ; nothing was changed");
        }
    }
    return chosen;
}

class PassphraseProtector final : public KeyProtector {
public:
    std::string_view name() const override { return "passphrase"; }

    Result<std::vector<unsigned char>> protect(const StoreIdentity& store, const crypto::SecureBuffer& data_key,
                                               std::uint64_t /*generation*/, NewKeyFor purpose) override {
        auto passphrase = passphrase_for_new_key(store, purpose);
        if (!passphrase) {
            return std::unexpected(passphrase.error());
        }
        WrapParams params;
        params.kdf = crypto::fresh_password_kdf_params();
        auto key_encryption_key = crypto::derive_key_from_password(crypto::SecretView(passphrase->text()), params.kdf);
        if (!key_encryption_key) {
            return fail("not enough memory to derive a key from the passphrase");
        }
        params.nonce = crypto::random_nonce();
        const auto wrapped =
            crypto::seal(data_key.bytes(), wrap_associated_data(store), params.nonce, *key_encryption_key);
        std::copy(wrapped.begin(), wrapped.end(), params.wrapped_key.begin());
        return encode(params);
    }

    Result<UnprotectedKey> unprotect(const StoreIdentity& store, std::span<const unsigned char> encoded) override {
        const auto params = decode(encoded);
        if (!params) {
            return fail("the passphrase parameters in the header of the keyhold store in " + store.directory.string() +
                        " are damaged");
        }
        if (!crypto::password_kdf_params_within_bounds(params->kdf)) {
            return fail("the header of the keyhold store in " + store.directory.string() +
                        " asks for an Argon2id cost outside keyhold's bounds; it was edited");
        }
        auto passphrase = passphrase_for_unlock(store);
        if (!passphrase) {
            return std::unexpected(passphrase.error());
        }
        auto key_encryption_key = crypto::derive_key_from_password(crypto::SecretView(passphrase->text()), params->kdf);
        if (!key_encryption_key) {
            return fail("not enough memory to derive a key from the passphrase");
        }
        auto data_key =
            crypto::open(params->wrapped_key, wrap_associated_data(store), params->nonce, *key_encryption_key);
        if (!data_key) {
            // The AEAD cannot tell a wrong passphrase from an edited wrapped key.
            return fail("wrong passphrase for the keyhold store in " + store.directory.string() +
                        " (or its header was altered)");
        }
        return UnprotectedKey{std::move(*data_key), std::nullopt};
    }

    // Nothing outside the file remembers anything: a passphrase store cannot detect a
    // whole-file rollback (docs/threat-model.md).
    bool records_generations() const override { return false; }
    Result<void> record_generation(const StoreIdentity&, std::span<const unsigned char>, const crypto::SecureBuffer&,
                                   std::uint64_t) override {
        return {};
    }
    // The wrapped key lives only in the header, which the new store file replaces.
    Result<void> forget(const StoreIdentity&, std::span<const unsigned char>) override { return {}; }
    Result<void> forget_all_but(const StoreIdentity&, std::span<const unsigned char>) override { return {}; }
};

}  // namespace

std::unique_ptr<KeyProtector> make_passphrase_protector() { return std::make_unique<PassphraseProtector>(); }

}  // namespace keyhold::platform
