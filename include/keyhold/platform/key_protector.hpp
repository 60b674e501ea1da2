#pragma once
// The seam between the store and the operating system's keychain: a protector keeps the
// store's random data key safe, one implementation per platform, chosen by CMake.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"

namespace keyhold::platform {

// What a protector may know of the store it serves (never its contents).
struct StoreIdentity {
    std::string store_id;  // 32 lowercase hex characters, from the store header
    std::filesystem::path directory;

    // The store id and a digest of the directory. A store directory copied whole is the same
    // store (same id, same key) with a history of its own from then on: what is remembered of
    // one copy's history (the newest generation written) is kept under this, never under the
    // store id alone, so that it is never taken for the other copy's.
    std::string copy_id() const;
};

// Why a protector is given a new key: a passphrase for a re-key may differ from the one that
// opened the store (KEYHOLD_NEW_PASSPHRASE).
enum class NewKeyFor { new_store, rekey };

struct UnprotectedKey {
    crypto::SecureBuffer data_key;
    // The newest generation the protector saw written, when it can hold one: a store file
    // older than this was rolled back.
    std::optional<std::uint64_t> newest_generation;
};

class KeyProtector {
public:
    virtual ~KeyProtector() = default;

    // The name written into the store header and accepted by `keyhold init --backend`.
    virtual std::string_view name() const = 0;

    // Takes charge of a new data key; returns the parameters the header must carry so that
    // unprotect() can find it again.
    virtual Result<std::vector<unsigned char>> protect(const StoreIdentity& store, const crypto::SecureBuffer& data_key,
                                                       std::uint64_t generation, NewKeyFor purpose) = 0;

    virtual Result<UnprotectedKey> unprotect(const StoreIdentity& store, std::span<const unsigned char> params) = 0;

    // For `keyhold unlock`, the one command that may ask a person: has the keychain become
    // ready to answer unprotect() (the keyring's own unlock dialog for the Secret Service).
    // Protectors that ask in unprotect() itself (a passphrase on the terminal), or never need
    // a person (DPAPI), have nothing to do.
    virtual Result<void> unlock_interactively() { return {}; }

    // For `keyhold doctor`: the protector's own finding about what stands behind the key (the
    // TPM answers, its files are there), beside whether it opens the store; nullopt: none.
    virtual std::optional<Result<std::string>> diagnose(const StoreIdentity& /*store*/,
                                                        std::span<const unsigned char> /*params*/) {
        return std::nullopt;
    }

    // Whether record_generation() keeps anything (and so is worth calling after a write).
    virtual bool records_generations() const = 0;

    // Called after every write, so that protectors able to hold it remember the newest
    // generation. Never brings back what forget() dropped.
    virtual Result<void> record_generation(const StoreIdentity& store, std::span<const unsigned char> params,
                                           const crypto::SecureBuffer& data_key, std::uint64_t generation) = 0;

    // Drops whatever the protector keeps for the key that `params` (from protect()) name: after
    // a re-key has replaced it, or when the store that key was made for was never written.
    virtual Result<void> forget(const StoreIdentity& store, std::span<const unsigned char> params) = 0;

    // Drops every key it keeps for this store except the one `current` names (parameters of
    // this protector or of another, which then keeps nothing): after a re-key, including what
    // an interrupted earlier re-key left behind.
    virtual Result<void> forget_all_but(const StoreIdentity& store, std::span<const unsigned char> current) = 0;
};

// What a protector takes from the settings and the command line, beside the store it serves.
// Only the tpm2 protector (Linux) reads any of it today; the others ignore it.
struct ProtectorOptions {
    // KEYHOLD_TPM2_TCTI (Settings::tpm2_tcti): how the tpm2 protector reaches the TPM, a TCTI
    // loader string ("swtpm:host=127.0.0.1,port=2321"); empty: the kernel's resource manager.
    std::string tpm2_tcti;
    // `--tpm2-pcrs LIST` of `keyhold init` and `keyhold rekey`: the PCRs a new tpm2 key is bound
    // to. nullopt: none for a new store; for a re-key, those of the key it replaces.
    std::optional<std::string> tpm2_pcrs;
    // For a re-key, the header parameters of the key being replaced when the same protector held
    // it (what it keeps unless told otherwise, such as the PCRs); empty otherwise.
    std::vector<unsigned char> replaced_params;
};

// One kind of protector this build offers: the table in each OS's protector_table.cpp is the
// one place a protector is named, so that `--help`, `keyhold init` and every message list
// exactly what this build can do.
struct ProtectorKind {
    std::string_view name;  // written into the store header; `keyhold init --backend NAME`
    std::string_view help;  // one line: what keeps the key, for whom
    std::unique_ptr<KeyProtector> (*make)(const ProtectorOptions& options);
};

// For a table entry whose protector takes no options.
template <std::unique_ptr<KeyProtector> (*Make)()>
std::unique_ptr<KeyProtector> without_options(const ProtectorOptions& /*options*/) {
    return Make();
}

// The protectors of this build, in the order `--help` lists them.
std::span<const ProtectorKind> protector_kinds();

// The protector called `name`, or an error naming those this build has.
Result<std::unique_ptr<KeyProtector>> make_key_protector(std::string_view name, const ProtectorOptions& options);

// The protector a first `store` uses without `keyhold init`: the platform keychain when one
// answers, else an error that says how to run `keyhold init`.
Result<std::string> default_protector_name();

}  // namespace keyhold::platform
