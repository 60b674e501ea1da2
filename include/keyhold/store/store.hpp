#pragma once
// Opening the encrypted store for reading, and changing it in a locked transaction.
//
// Readers take no lock: writers replace the file atomically, so a reader sees the old store or
// the new one. Writers serialize on a lock and re-read under it, so parallel writers lose
// no update.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"
#include "keyhold/platform/files.hpp"
#include "keyhold/platform/key_protector.hpp"
#include "keyhold/settings.hpp"
#include "keyhold/store/entry.hpp"
#include "keyhold/store/format.hpp"

namespace keyhold::store {

// A store directory, and how this process may use the OS's key cache for its key.
struct StoreLocation {
    std::filesystem::path directory;
    // How long a key this process unlocks stays cached; 0: the cache is neither read nor filled
    // (Settings::key_cache_lifetime; the default is that of a process without the variable).
    std::chrono::seconds key_cache_lifetime = kDefaultKeyCacheLifetime;
    // What the protectors take from the settings (the TPM's TCTI) and from `keyhold init` or
    // `keyhold rekey` (the PCRs a new tpm2 key is bound to).
    platform::ProtectorOptions protector_options{};

    std::filesystem::path store_file() const { return directory / "store"; }
    std::filesystem::path lock_file() const { return directory / "store.lock"; }
    // Names the store that belongs in this directory, so a store file copied in from
    // another store is recognised (docs/store-format.md).
    std::filesystem::path anchor_file() const { return directory / "store.id"; }
    // Serializes the processes that copy the newest generation to the key protector.
    std::filesystem::path mirror_lock_file() const { return directory / "generation.lock"; }
};

// KEYHOLD_HOME when set, else the platform's per-user data directory, with the settings' key
// cache lifetime and protector options.
Result<StoreLocation> locate_store(const Settings& settings);

struct OpenStore {
    StoreHeader header;
    std::unique_ptr<platform::KeyProtector> protector;
    crypto::SecureBuffer data_key;
    crypto::SecureBuffer plaintext;
    std::vector<Entry> entries;  // views into `plaintext`
};

enum class KeySource {
    cache_or_protector,  // the OS's short-lived key cache when it holds the key
    protector_only,      // what the next use after the cache expires would meet (`keyhold doctor`)
    // The cache or the protector, and the cache left as it is: the detached generation recorder
    // runs after its writer, maybe after a `keyhold lock` the user ran since, which it must not undo.
    cache_or_protector_not_filling
};

// The decrypted store, or nullopt when none was created yet.
Result<std::optional<OpenStore>> open_store(const StoreLocation& location,
                                            KeySource key_source = KeySource::cache_or_protector);

// For a long-lived reader that unlocked the store once (`keyhold agent`, docs/agent.md): reads
// the file again and opens it with `data_key`, so that a sync or an erase since is seen at once,
// without asking the protector or the cache again. A file older than `oldest_generation` (the
// newest this reader has seen) is a rollback; a file the key does not open was re-keyed or
// replaced since, which the caller reports (it must unlock again). The result has no protector
// and an empty data_key: it is for reading entries only.
Result<OpenStore> reopen_store(const StoreLocation& location, const crypto::SecureBuffer& data_key,
                               std::uint64_t oldest_generation);

// The store the settings name (KEYHOLD_HOME or the default) and its contents, if any.
struct LocatedStore {
    StoreLocation location;
    std::optional<OpenStore> store;  // nullopt: none created yet
};
Result<LocatedStore> open_located_store(const Settings& settings);

// What the header says without the key: for `keyhold status` on a locked store.
Result<std::optional<StoreHeader>> read_store_header(const StoreLocation& location);

// Creates a new, empty store protected by `protector_name`; fails if one exists.
Result<void> create_store(const StoreLocation& location, std::string_view protector_name);

// The protector's copy of the newest generation (the Secret Service rewrites a whole keyring
// file for it) is made by a detached copy of the same program, started after a commit as
// `PROGRAM record-generation DIRECTORY`, so that the client goes on and the next writer need
// not wait: every keyhold main calls run_as_generation_recorder() first. The same program,
// never another one found somewhere: it knows this store format and this protector.
inline constexpr std::string_view kRecordGenerationCommand = "record-generation";
Result<void> record_newest_generation(const StoreLocation& location);

// When `argv` is a recorder's command line: records, and returns the exit code for main.
std::optional<int> run_as_generation_recorder(int argc, const char* const* argv, std::chrono::seconds key_cache_lifetime);

enum class WhenMissing {
    fail,                          // a store must exist
    create_with_default_protector  // the first `store` creates one (docs/docker-helper.md)
};

// One locked read-modify-write of the store. Entries added with put() may view into buffers
// of the caller's, which must outlive commit().
class Transaction {
public:
    static Result<Transaction> begin(const StoreLocation& location, WhenMissing when_missing);

    // A transaction on the store if there is one; nullopt (and nothing created) if there is not,
    // for changes that have nothing to do without a store (erasing).
    static Result<std::optional<Transaction>> begin_if_exists(const StoreLocation& location,
                                                              KeySource key_source = KeySource::cache_or_protector);

    const std::vector<Entry>& entries() const { return store_.entries; }
    std::string_view protector_name() const { return store_.header.protector; }

    // Adds `entry`, or replaces the entry of the same kind, key and origin. Returns false when
    // the store already held exactly this, so that nothing needs writing.
    bool put(Entry entry, std::int64_t now);

    // Removes the entry of this kind, key and origin; false when there was none.
    bool remove(EntryKind kind, std::string_view key, std::string_view origin);

    // Removes every entry `doomed` selects; returns how many.
    std::size_t remove_if(const std::function<bool(const Entry&)>& doomed);

    // Replaces every entry of `origin` whose kind is in `kinds` with `entries` (all of that
    // origin and of those kinds, unique by kind and key): what a sync does, in O(n log n).
    // Entries that did not change keep their timestamps; nothing changes if none did.
    void replace_origin(std::string_view origin, std::span<const EntryKind> kinds, std::vector<Entry> entries,
                        std::int64_t now);

    // Gives the store a new random data key, held by the protector `protector_name` (its own
    // or another): commit() re-encrypts every entry under it. The old key stays with its
    // protector until retire_replaced_key(), so that a crash before the new file is in place
    // loses nothing.
    Result<void> replace_key(std::string_view protector_name);

    // After commit() of a replace_key(): drops the old key from its protector and from the OS's
    // key cache. On failure the store is re-keyed all the same; the error says what is left.
    Result<void> retire_replaced_key();

    // Writes the new generation if anything changed, then releases the lock.
    Result<void> commit();

private:
    struct ReplacedKey {
        std::unique_ptr<platform::KeyProtector> protector;
        std::vector<unsigned char> params;
    };

    Transaction(StoreLocation location, platform::ExclusiveLock lock, OpenStore store);
    void record_newest_generation(std::uint64_t written);

    StoreLocation location_;
    platform::ExclusiveLock lock_;
    OpenStore store_;
    bool changed_ = false;
    std::optional<ReplacedKey> replaced_key_;
};

}  // namespace keyhold::store
