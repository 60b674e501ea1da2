#include "keyhold/store/store.hpp"

#include <algorithm>
#include <map>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/platform/key_cache.hpp"
#include "keyhold/platform/process.hpp"

namespace keyhold::store {
namespace {

constexpr std::size_t kAnchorBytesLimit = 256;

Error damaged(const StoreLocation& location, std::string_view reason) {
    return Error{"keyhold store " + location.store_file().string() + " is damaged: " + std::string(reason) +
                 "; restore it from a backup, or move it aside and run `keyhold init`"};
}

platform::StoreIdentity identity_of(const StoreLocation& location, const StoreHeader& header) {
    return {to_hex(header.store_id), location.directory};
}

// A store file copied in from another store directory carries another store's id.
Result<void> check_anchor(const StoreLocation& location, const StoreHeader& header) {
    auto anchor = platform::read_private_file(location.anchor_file(), kAnchorBytesLimit);
    if (!anchor) {
        return std::unexpected(anchor.error());
    }
    if (!*anchor) {
        return {};  // a store moved here without its anchor; the next write adds one
    }
    std::string_view recorded(reinterpret_cast<const char*>((*anchor)->data()), (*anchor)->size());
    while (!recorded.empty() && (recorded.back() == '\n' || recorded.back() == '\r')) {
        recorded.remove_suffix(1);
    }
    const std::string actual = to_hex(header.store_id);
    const bool names_a_store = recorded.size() == actual.size() &&
                               recorded.find_first_not_of("0123456789abcdef") == std::string_view::npos;
    if (!names_a_store) {
        return fail(location.anchor_file().string() + " is damaged: it holds no store id; if " +
                    location.store_file().string() + " is this directory's own store, remove " +
                    location.anchor_file().string() + " (the next write writes it again)");
    }
    if (recorded != actual) {
        return fail("keyhold store " + location.store_file().string() + " belongs to another store (id " + actual +
                    ", but " + location.anchor_file().string() + " names " + std::string(recorded) +
                    "): put this directory's own store file back, or remove both files to start over");
    }
    return {};
}

Result<void> write_anchor(const StoreLocation& location, const StoreHeader& header) {
    const std::string text = to_hex(header.store_id) + "\n";
    return platform::replace_file_atomically(
        location.anchor_file(), std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
}

Result<std::optional<std::vector<unsigned char>>> read_store_file(const StoreLocation& location) {
    std::error_code error;
    if (!std::filesystem::exists(location.directory, error)) {
        return std::nullopt;
    }
    if (auto safe = platform::check_private_directory(location.directory); !safe) {
        return std::unexpected(safe.error());
    }
    return platform::read_private_file(location.store_file(), kMaxStoreFileBytes);
}

Error rolled_back(const StoreLocation& location, std::uint64_t generation, std::uint64_t newest) {
    return Error{"keyhold store " + location.store_file().string() + " was rolled back: it is generation " +
                 std::to_string(generation) + " but generation " + std::to_string(newest) +
                 " was written before; put the newest store file back"};
}

// The store's key: from the OS's short-lived cache when it holds it, else from the protector
// (which then fills the cache).
Result<platform::UnprotectedKey> unlock(platform::KeyProtector& protector, const StoreLocation& location,
                                        const StoreHeader& header, bool use_cache, bool& from_cache) {
    const platform::StoreIdentity identity = identity_of(location, header);
    from_cache = false;
    if (use_cache) {
        if (auto cached = platform::cached_key(identity.copy_id(), location.key_cache_lifetime)) {
            from_cache = true;
            return platform::UnprotectedKey{std::move(cached->data_key), cached->newest_generation};
        }
    }
    return protector.unprotect(identity, header.protector_params);
}

// Opens `bytes`, which it may replace with a newer read of the file (a writer's generation
// copy raced it): on failure, `bytes` is the file that failed.
Result<OpenStore> decrypt_file(const StoreLocation& location, std::vector<unsigned char>& bytes, KeySource key_source) {
    auto file = parse_store_file(bytes);
    if (!file) {
        return std::unexpected(damaged(location, file.error().message));
    }
    if (auto anchored = check_anchor(location, file->header); !anchored) {
        return std::unexpected(anchored.error());
    }

    OpenStore store;
    auto protector = platform::make_key_protector(file->header.protector, location.protector_options);
    if (!protector) {
        return std::unexpected(protector.error());
    }
    store.protector = std::move(*protector);
    // A cached key that does not open the store (the store was re-created) is dropped, and the
    // protector asked once.
    for (const bool use_cache : {true, false}) {
        if (use_cache && key_source == KeySource::protector_only) {
            continue;
        }
        bool from_cache = false;
        auto key = unlock(*store.protector, location, file->header, use_cache, from_cache);
        if (!key) {
            return std::unexpected(key.error());
        }
        if (key->newest_generation && file->header.generation < *key->newest_generation) {
            // Writers rename the new file before they record its generation, so a reader that
            // read the file just before a write can fetch a newer floor than its file. The file
            // on disk now is at least that new, unless it was rolled back.
            const std::uint64_t newest = *key->newest_generation;
            const StoreId store_id = file->header.store_id;
            auto reread = read_store_file(location);
            if (!reread) {
                return std::unexpected(reread.error());
            }
            if (!*reread) {
                return std::unexpected(rolled_back(location, 0, newest));
            }
            bytes = std::move(**reread);
            file = parse_store_file(bytes);
            if (!file) {
                return std::unexpected(damaged(location, file.error().message));
            }
            if (file->header.store_id != store_id || file->header.generation < newest) {
                return std::unexpected(rolled_back(location, file->header.generation, newest));
            }
        }
        auto plaintext = open_store_body(*file, key->data_key);
        if (!plaintext) {
            if (from_cache) {
                platform::drop_cached_key(identity_of(location, file->header).copy_id());
                continue;
            }
            return std::unexpected(damaged(location,
                                           "it does not authenticate under its key (edited, truncated "
                                           "or swapped)"));
        }
        if (!from_cache && key_source != KeySource::cache_or_protector_not_filling) {
            platform::cache_key(identity_of(location, file->header).copy_id(), key->data_key,
                                std::max(file->header.generation, key->newest_generation.value_or(0)),
                                location.key_cache_lifetime);
        }
        store.header = file->header;
        store.data_key = std::move(key->data_key);
        store.plaintext = std::move(*plaintext);
        break;
    }
    auto entries = decode_entries(store.plaintext);
    if (!entries) {
        return std::unexpected(damaged(location, entries.error().message));
    }
    store.entries = std::move(*entries);
    return store;
}

// A reader that read the file just before a re-key may ask for the key the re-key has since
// retired: while the file on disk names another key than the one that failed, it is read and
// opened again (a few times: re-keys can follow each other).
Result<OpenStore> decrypt(const StoreLocation& location, std::vector<unsigned char> bytes, KeySource key_source) {
    constexpr int kAttempts = 4;
    for (int attempt = 1;; ++attempt) {
        auto opened = decrypt_file(location, bytes, key_source);
        if (opened || attempt == kAttempts) {
            return opened;
        }
        const auto tried = parse_store_file(bytes);  // only after a failure: a get parses once
        auto again = read_store_file(location);
        if (!tried || !again || !*again) {
            return opened;
        }
        const auto now = parse_store_file(**again);
        if (!now || now->header.store_id != tried->header.store_id ||
            (now->header.protector == tried->header.protector &&
             now->header.protector_params == tried->header.protector_params)) {
            return opened;
        }
        bytes = std::move(**again);
    }
}

// Whether the store file on disk is certainly not the one written with `header` (its nonce is
// new on every write). A write can fail after its rename, when the directory cannot be
// flushed; if the file cannot even be read now, it may be ours: its key must stay.
bool store_file_is_not(const StoreLocation& location, const StoreHeader& header) {
    auto bytes = read_store_file(location);
    if (!bytes) {
        return false;
    }
    if (!*bytes) {
        return true;
    }
    const auto file = parse_store_file(**bytes);
    return file && (file->header.store_id != header.store_id || file->header.body_nonce != header.body_nonce);
}

// Creates the store while the caller holds the lock.
Result<OpenStore> create_locked(const StoreLocation& location, std::string_view protector_name) {
    auto protector = platform::make_key_protector(protector_name, location.protector_options);
    if (!protector) {
        return std::unexpected(protector.error());
    }
    OpenStore store;
    store.protector = std::move(*protector);
    store.header.generation = 1;
    crypto::fill_random(store.header.store_id);
    store.header.protector = std::string(store.protector->name());
    store.header.body_nonce = crypto::random_nonce();
    store.data_key = crypto::random_key();

    const platform::StoreIdentity identity = identity_of(location, store.header);
    auto params =
        store.protector->protect(identity, store.data_key, store.header.generation, platform::NewKeyFor::new_store);
    if (!params) {
        return std::unexpected(params.error());
    }
    store.header.protector_params = std::move(*params);

    const crypto::SecureBuffer plaintext = encode_entries({});
    const std::vector<unsigned char> file = seal_store_file(store.header, plaintext, store.data_key);
    auto written = write_anchor(location, store.header);
    if (written) {
        written = platform::replace_file_atomically(location.store_file(), file);
    }
    if (!written) {
        if (store_file_is_not(location, store.header)) {
            (void)store.protector->forget(identity, store.header.protector_params);  // best effort: it protects nothing
        }
        return std::unexpected(written.error());
    }
    // As after any unlock: the protector was just asked (a passphrase typed or given), so the
    // first helper call after `keyhold init` needs nothing in its environment.
    platform::cache_key(identity.copy_id(), store.data_key, store.header.generation, location.key_cache_lifetime);
    return store;
}

platform::ProtectorOptions protector_options_of(const Settings& settings) {
    platform::ProtectorOptions options;
    options.tpm2_tcti = settings.tpm2_tcti;
    return options;
}

}  // namespace

Result<StoreLocation> locate_store(const Settings& settings) {
    if (!settings.keyhold_home) {
        return std::unexpected(settings.keyhold_home.error());
    }
    if (*settings.keyhold_home) {
        return StoreLocation{**settings.keyhold_home, settings.key_cache_lifetime, protector_options_of(settings)};
    }
    if (!settings.default_store_directory) {
        return std::unexpected(settings.default_store_directory.error());
    }
    return StoreLocation{*settings.default_store_directory, settings.key_cache_lifetime, protector_options_of(settings)};
}

Result<std::optional<OpenStore>> open_store(const StoreLocation& location, KeySource key_source) {
    auto bytes = read_store_file(location);
    if (!bytes) {
        return std::unexpected(bytes.error());
    }
    if (!*bytes) {
        return std::nullopt;
    }
    auto store = decrypt(location, std::move(**bytes), key_source);
    if (!store) {
        return std::unexpected(store.error());
    }
    return std::optional<OpenStore>(std::move(*store));
}

Result<OpenStore> reopen_store(const StoreLocation& location, const crypto::SecureBuffer& data_key,
                               std::uint64_t oldest_generation) {
    auto bytes = read_store_file(location);
    if (!bytes) {
        return std::unexpected(bytes.error());
    }
    if (!*bytes) {
        return fail("keyhold store " + location.store_file().string() + " is gone since it was opened");
    }
    auto file = parse_store_file(**bytes);
    if (!file) {
        return std::unexpected(damaged(location, file.error().message));
    }
    if (auto anchored = check_anchor(location, file->header); !anchored) {
        return std::unexpected(anchored.error());
    }
    if (file->header.generation < oldest_generation) {
        return std::unexpected(rolled_back(location, file->header.generation, oldest_generation));
    }
    auto plaintext = open_store_body(*file, data_key);
    if (!plaintext) {
        return fail("keyhold store " + location.store_file().string() +
                    " no longer opens with the key unlocked at start (re-keyed or replaced since): restart the agent");
    }
    OpenStore store;
    store.header = file->header;
    store.plaintext = std::move(*plaintext);
    auto entries = decode_entries(store.plaintext);
    if (!entries) {
        return std::unexpected(damaged(location, entries.error().message));
    }
    store.entries = std::move(*entries);
    return store;
}

Result<LocatedStore> open_located_store(const Settings& settings) {
    auto location = locate_store(settings);
    if (!location) {
        return std::unexpected(location.error());
    }
    auto opened = open_store(*location);
    if (!opened) {
        return std::unexpected(opened.error());
    }
    return LocatedStore{std::move(*location), std::move(*opened)};
}

Result<std::optional<StoreHeader>> read_store_header(const StoreLocation& location) {
    auto bytes = read_store_file(location);
    if (!bytes) {
        return std::unexpected(bytes.error());
    }
    if (!*bytes) {
        return std::nullopt;
    }
    auto file = parse_store_file(**bytes);
    if (!file) {
        return std::unexpected(damaged(location, file.error().message));
    }
    return std::optional<StoreHeader>(file->header);
}

Result<void> create_store(const StoreLocation& location, std::string_view protector_name) {
    if (auto made = platform::ensure_private_directory(location.directory); !made) {
        return made;
    }
    auto lock = platform::ExclusiveLock::acquire(location.lock_file());
    if (!lock) {
        return std::unexpected(lock.error());
    }
    auto existing = read_store_file(location);
    if (!existing) {
        return std::unexpected(existing.error());
    }
    if (*existing) {
        return fail("a keyhold store already exists in " + location.directory.string() +
                    "; use it, or set KEYHOLD_HOME to create another");
    }
    auto created = create_locked(location, protector_name);
    if (!created) {
        return std::unexpected(created.error());
    }
    return {};
}

namespace {

// The writers' lock, a crashed writer's leftovers removed, and the store re-read under it
// (nullopt when none exists). The directory must exist.
struct LockedStore {
    platform::ExclusiveLock lock;
    std::optional<OpenStore> store;
};

Result<LockedStore> lock_and_open(const StoreLocation& location, KeySource key_source) {
    auto lock = platform::ExclusiveLock::acquire(location.lock_file());
    if (!lock) {
        return std::unexpected(lock.error());
    }
    platform::remove_abandoned_temporaries(location.store_file());
    auto opened = open_store(location, key_source);
    if (!opened) {
        return std::unexpected(opened.error());
    }
    return LockedStore{std::move(*lock), std::move(*opened)};
}

}  // namespace

Result<Transaction> Transaction::begin(const StoreLocation& location, WhenMissing when_missing) {
    if (auto made = platform::ensure_private_directory(location.directory); !made) {
        return std::unexpected(made.error());
    }
    auto locked = lock_and_open(location, KeySource::cache_or_protector);
    if (!locked) {
        return std::unexpected(locked.error());
    }
    if (locked->store) {
        return Transaction(location, std::move(locked->lock), std::move(*locked->store));
    }
    if (when_missing == WhenMissing::fail) {
        return fail("there is no keyhold store in " + location.directory.string() +
                    "; create one with `keyhold init --backend secret-service|passphrase`");
    }
    auto protector_name = platform::default_protector_name();
    if (!protector_name) {
        return fail("there is no keyhold store in " + location.directory.string() + " yet, and " +
                    protector_name.error().message);
    }
    auto created = create_locked(location, *protector_name);
    if (!created) {
        return std::unexpected(created.error());
    }
    return Transaction(location, std::move(locked->lock), std::move(*created));
}

Result<std::optional<Transaction>> Transaction::begin_if_exists(const StoreLocation& location, KeySource key_source) {
    std::error_code error;
    if (!std::filesystem::exists(location.directory, error)) {
        return std::nullopt;
    }
    if (auto safe = platform::check_private_directory(location.directory); !safe) {
        return std::unexpected(safe.error());
    }
    auto locked = lock_and_open(location, key_source);
    if (!locked) {
        return std::unexpected(locked.error());
    }
    if (!locked->store) {
        return std::nullopt;
    }
    return std::optional<Transaction>(Transaction(location, std::move(locked->lock), std::move(*locked->store)));
}

Transaction::Transaction(StoreLocation location, platform::ExclusiveLock lock, OpenStore store)
    : location_(std::move(location)), lock_(std::move(lock)), store_(std::move(store)) {}

bool Transaction::put(Entry entry, std::int64_t now) {
    auto existing = std::find_if(store_.entries.begin(), store_.entries.end(), [&](const Entry& candidate) {
        return candidate.kind == entry.kind && candidate.key == entry.key && candidate.origin == entry.origin;
    });
    if (existing == store_.entries.end()) {
        entry.created_at = entry.updated_at = now;
        store_.entries.push_back(std::move(entry));
    } else {
        if (same_content(*existing, entry)) {
            return false;
        }
        entry.created_at = existing->created_at;
        entry.updated_at = now;
        *existing = std::move(entry);
    }
    changed_ = true;
    return true;
}

bool Transaction::remove(EntryKind kind, std::string_view key, std::string_view origin) {
    return remove_if([&](const Entry& candidate) {
               return candidate.kind == kind && candidate.key == key && candidate.origin == origin;
           }) > 0;
}

std::size_t Transaction::remove_if(const std::function<bool(const Entry&)>& doomed) {
    const auto removed = std::erase_if(store_.entries, doomed);
    changed_ = changed_ || removed > 0;
    return removed;
}

void Transaction::replace_origin(std::string_view origin, std::span<const EntryKind> kinds, std::vector<Entry> entries,
                                 std::int64_t now) {
    const auto owned = [&](const Entry& entry) {
        return entry.origin == origin && std::find(kinds.begin(), kinds.end(), entry.kind) != kinds.end();
    };
    std::map<std::pair<EntryKind, std::string_view>, const Entry*> previous;
    for (const Entry& entry : store_.entries) {
        if (owned(entry)) {
            previous.emplace(std::pair(entry.kind, entry.key), &entry);
        }
    }
    bool same = previous.size() == entries.size();
    for (Entry& entry : entries) {
        const auto old = previous.find(std::pair(entry.kind, entry.key));
        if (old != previous.end() && same_content(*old->second, entry)) {
            entry.created_at = old->second->created_at;
            entry.updated_at = old->second->updated_at;
        } else {
            same = false;
            entry.created_at = old != previous.end() ? old->second->created_at : now;
            entry.updated_at = now;
        }
    }
    if (same) {
        return;
    }
    std::erase_if(store_.entries, owned);
    store_.entries.insert(store_.entries.end(), std::make_move_iterator(entries.begin()),
                          std::make_move_iterator(entries.end()));
    changed_ = true;
}

// Copies `written` to the protector unless a newer write exists, whose own copy covers it: in a
// burst of writes only the newest is recorded. The recorded generation is a floor: it never
// has to be current, only never above a real, authenticated generation of this store, so it
// is taken from this process's own write, or not at all.
void Transaction::record_newest_generation(std::uint64_t written) {
    auto mirror_lock = platform::ExclusiveLock::acquire(location_.mirror_lock_file());
    if (!mirror_lock) {
        return;
    }
    auto bytes = read_store_file(location_);
    if (bytes && *bytes) {
        auto file = parse_store_file(**bytes);
        if (file && file->header.store_id == store_.header.store_id && file->header.generation > written &&
            open_store_body(*file, store_.data_key)) {
            return;  // a newer write happened; its process records that one
        }
    }
    (void)store_.protector->record_generation(identity_of(location_, store_.header), store_.header.protector_params,
                                              store_.data_key, written);
}

Result<void> Transaction::replace_key(std::string_view protector_name) {
    if (replaced_key_) {
        return fail("the store's key was already replaced in this transaction");
    }
    platform::ProtectorOptions options = location_.protector_options;
    if (protector_name == store_.header.protector) {
        options.replaced_params = store_.header.protector_params;  // what the new key keeps unless told otherwise
    }
    auto protector = platform::make_key_protector(protector_name, options);
    if (!protector) {
        return std::unexpected(protector.error());
    }
    crypto::SecureBuffer data_key = crypto::random_key();
    // The generation commit() writes, so that a protector keeping one starts at the file's.
    auto params = (*protector)
                      ->protect(identity_of(location_, store_.header), data_key, store_.header.generation + 1,
                                platform::NewKeyFor::rekey);
    if (!params) {
        return std::unexpected(params.error());
    }
    replaced_key_ = ReplacedKey{std::move(store_.protector), std::move(store_.header.protector_params)};
    store_.protector = std::move(*protector);
    store_.header.protector = std::string(store_.protector->name());
    store_.header.protector_params = std::move(*params);
    store_.data_key = std::move(data_key);
    changed_ = true;
    return {};
}

Result<void> Transaction::retire_replaced_key() {
    if (!replaced_key_ || changed_) {
        return fail("the store's key was not replaced and written");
    }
    const platform::StoreIdentity identity = identity_of(location_, store_.header);
    // Whatever this process's own cache setting: the old key opens nothing now. The new one is
    // cached as after any unlock (the re-key proved the protector).
    platform::drop_cached_key(identity.copy_id());
    platform::cache_key(identity.copy_id(), store_.data_key, store_.header.generation, location_.key_cache_lifetime);

    const std::span<const unsigned char> current = store_.header.protector_params;
    auto forgotten = replaced_key_->protector->forget_all_but(identity, current);
    if (forgotten && replaced_key_->protector->name() != store_.protector->name()) {
        // What an interrupted earlier re-key left with the protector the key moves to.
        forgotten = store_.protector->forget_all_but(identity, current);
    }
    replaced_key_.reset();
    return forgotten;
}

Result<void> Transaction::commit() {
    if (!changed_) {
        return {};
    }
    StoreHeader header = store_.header;
    header.generation += 1;
    header.body_nonce = crypto::random_nonce();
    const crypto::SecureBuffer plaintext = encode_entries(store_.entries);
    const std::vector<unsigned char> file = seal_store_file(header, plaintext, store_.data_key);
    if (file.size() > kMaxStoreFileBytes) {
        // Readers refuse a larger file, and then nothing could shrink it again.
        return fail("this change would grow keyhold store " + location_.store_file().string() + " to " +
                    std::to_string(file.size() >> 20) + " MiB, past the " + std::to_string(kMaxStoreFileBytes >> 20) +
                    " MiB keyhold reads back; nothing was changed: erase entries it no longer needs");
    }

    // A failed write of a new key leaves its protector nothing to keep, unless the file that
    // uses it is in place after all.
    const auto abandon = [&](Result<void> failed) {
        if (replaced_key_ && store_file_is_not(location_, header)) {
            (void)store_.protector->forget(identity_of(location_, header), header.protector_params);  // best effort
        }
        return failed;
    };
    std::error_code error;
    if (!std::filesystem::exists(location_.anchor_file(), error)) {
        if (auto anchored = write_anchor(location_, header); !anchored) {
            return abandon(anchored);
        }
    }
    if (auto written = platform::replace_file_atomically(location_.store_file(), file); !written) {
        return abandon(written);
    }
    store_.header = header;
    changed_ = false;
    platform::update_cached_generation(identity_of(location_, header).copy_id(), store_.data_key,
                                       header.generation);
    // The protector's copy of the generation: the Secret Service rewrites its whole keyring file
    // for it (tens of milliseconds in a full keyring), so a detached process does it while the
    // client goes on and the next writer need not wait.
    if (store_.protector->records_generations()) {
        const auto recorder = platform::current_executable();
        if (!recorder ||
            !platform::start_detached(*recorder, {std::string(kRecordGenerationCommand), location_.directory.string()})) {
            record_newest_generation(header.generation);
        }
    }
    return {};
}

Result<void> record_newest_generation(const StoreLocation& location) {
    // Under the mirror lock, the store file is the newest generation written: recording it
    // never takes the protector's copy backwards, whichever writer's recorder comes first.
    auto mirror_lock = platform::ExclusiveLock::acquire(location.mirror_lock_file());
    if (!mirror_lock) {
        return std::unexpected(mirror_lock.error());
    }
    auto opened = open_store(location, KeySource::cache_or_protector_not_filling);
    if (!opened) {
        return std::unexpected(opened.error());
    }
    if (!*opened || !(*opened)->protector->records_generations()) {
        return {};
    }
    const OpenStore& store = **opened;
    return store.protector->record_generation(identity_of(location, store.header), store.header.protector_params,
                                              store.data_key, store.header.generation);
}

std::optional<int> run_as_generation_recorder(int argc, const char* const* argv,
                                              std::chrono::seconds key_cache_lifetime) {
    if (argc != 3 || std::string_view(argv[1]) != kRecordGenerationCommand) {
        return std::nullopt;
    }
    // Detached, with nobody to tell: a failure leaves the generation where it was, which the
    // next write's recorder moves on.
    return record_newest_generation(StoreLocation{argv[2], key_cache_lifetime}) ? 0 : 1;
}

}  // namespace keyhold::store
