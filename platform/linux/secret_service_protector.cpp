#include "secret_service_protector.hpp"

#include <libsecret/secret.h>
#include <sodium.h>
#include <sys/stat.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "keyhold/crypto/aead.hpp"

namespace keyhold::platform {
namespace {

// Every D-Bus exchange must end well within a second or fail: docker waits on us, and a
// missing or wedged keyring must be an error message, never a hang.
constexpr auto kDeadline = std::chrono::milliseconds(800);
constexpr int kCallTimeoutMs = 800;
constexpr const char* kSecretsBusName = "org.freedesktop.secrets";

const SecretSchema* store_key_schema() {
    static const SecretSchema schema = {
        "io.keyhold.StoreKey",
        SECRET_SCHEMA_NONE,
        {{"store", SECRET_SCHEMA_ATTRIBUTE_STRING}, {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING}},
        0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
    return &schema;
}

template <class T, void (*Release)(T*)>
struct GLibOwned {
    T* pointer = nullptr;
    GLibOwned() = default;
    explicit GLibOwned(T* owned) : pointer(owned) {}
    GLibOwned(const GLibOwned&) = delete;
    GLibOwned& operator=(const GLibOwned&) = delete;
    ~GLibOwned() {
        if (pointer != nullptr) {
            Release(pointer);
        }
    }
    T* get() const { return pointer; }
    T** out() { return &pointer; }
};

template <class T>
void unref(T* object) { g_object_unref(object); }
void free_error(GError* error) { g_error_free(error); }
void unref_hash_table(GHashTable* table) { g_hash_table_unref(table); }
void unref_secret_value(SecretValue* value) { secret_value_unref(value); }
void free_item_list(GList* items) { g_list_free_full(items, g_object_unref); }
void unref_variant(GVariant* variant) { g_variant_unref(variant); }

using ErrorPtr = GLibOwned<GError, free_error>;

// Cancels the GLib calls made while it lives once the deadline passes.
class Watchdog {
public:
    Watchdog() : cancellable_(g_cancellable_new()), thread_([this] { watch(); }) {}
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;
    ~Watchdog() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        wake_.notify_one();
        thread_.join();
        g_object_unref(cancellable_);
    }
    GCancellable* cancellable() const { return cancellable_; }
    bool expired() const { return g_cancellable_is_cancelled(cancellable_); }

private:
    void watch() {
        std::unique_lock lock(mutex_);
        if (!wake_.wait_for(lock, kDeadline, [this] { return done_; })) {
            g_cancellable_cancel(cancellable_);
        }
    }

    GCancellable* cancellable_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;
    std::thread thread_;
};

Error unavailable(std::string_view why) {
    return Error{"the Secret Service is not available: " + std::string(why) +
                 "; start your desktop keyring, or use `keyhold init --backend passphrase`"};
}

Error failed(const Watchdog& watchdog, std::string_view doing, const GError* error) {
    if (watchdog.expired()) {
        return unavailable("it did not answer within " + std::to_string(kDeadline.count()) + " ms while " +
                           std::string(doing));
    }
    return Error{"the Secret Service failed while " + std::string(doing) + ": " +
                 (error != nullptr ? error->message : "unknown error")};
}

// GLib would otherwise try to autolaunch a bus (or wait on one) where none exists.
bool session_bus_configured() {
    if (const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS"); address != nullptr && *address != '\0') {
        return true;
    }
    const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
    struct stat info {};
    return runtime_dir != nullptr && ::stat((std::string(runtime_dir) + "/bus").c_str(), &info) == 0 &&
           S_ISSOCK(info.st_mode);
}

struct Connection {
    GLibOwned<SecretService, unref<SecretService>> service;
};

// Connects without D-Bus activation: starting a keyring daemon on a headless machine would
// create a new, locked keyring and wait on a password prompt nobody can answer.
Result<void> connect(const Watchdog& watchdog, Connection& connection) {
    if (!session_bus_configured()) {
        return std::unexpected(unavailable("there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)"));
    }
    ErrorPtr error;
    GLibOwned<GDBusConnection, unref<GDBusConnection>> bus(
        g_bus_get_sync(G_BUS_TYPE_SESSION, watchdog.cancellable(), error.out()));
    if (bus.get() == nullptr) {
        return std::unexpected(unavailable(std::string("cannot reach the D-Bus session bus: ") +
                                           (error.get() != nullptr ? error.get()->message : "unknown error")));
    }
    GLibOwned<GVariant, unref_variant> owned(g_dbus_connection_call_sync(
        bus.get(), "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
        g_variant_new("(s)", kSecretsBusName), G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, kCallTimeoutMs,
        watchdog.cancellable(), error.out()));
    if (owned.get() == nullptr) {
        return std::unexpected(failed(watchdog, "looking for org.freedesktop.secrets", error.get()));
    }
    gboolean has_owner = FALSE;
    g_variant_get(owned.get(), "(b)", &has_owner);
    if (!has_owner) {
        return std::unexpected(unavailable("no Secret Service (org.freedesktop.secrets) runs on the session bus"));
    }
    connection.service.pointer =
        secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, watchdog.cancellable(), error.out());
    if (connection.service.get() == nullptr) {
        return std::unexpected(failed(watchdog, "opening a session", error.get()));
    }
    return {};
}

GHashTable* attributes_for(const StoreIdentity& store) {
    return secret_attributes_build(store_key_schema(), "store", store.store_id.c_str(), nullptr);
}

Error locked(std::string_view what) {
    return Error{"the Secret Service " + std::string(what) +
                 " is locked: unlock it (log in to your desktop session) and try again"};
}

// "<base64 data key> <generation>", so that one lookup answers both.
crypto::SecureBuffer encode_item_secret(const crypto::SecureBuffer& data_key, std::uint64_t generation) {
    const std::size_t base64_size =
        sodium_base64_ENCODED_LEN(data_key.size(), sodium_base64_VARIANT_ORIGINAL);  // includes the NUL
    const std::string generation_text = std::to_string(generation);
    crypto::SecureBuffer text(base64_size + generation_text.size());
    sodium_bin2base64(reinterpret_cast<char*>(text.data()), base64_size, data_key.data(), data_key.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    text.data()[base64_size - 1] = ' ';
    std::copy(generation_text.begin(), generation_text.end(), text.data() + base64_size);
    return text;
}

std::optional<UnprotectedKey> decode_item_secret(std::string_view text) {
    const auto space = text.find(' ');
    if (space == std::string_view::npos) {
        return std::nullopt;
    }
    UnprotectedKey key{crypto::SecureBuffer(crypto::kKeyBytes), std::nullopt};
    std::size_t decoded = 0;
    if (sodium_base642bin(key.data_key.data(), key.data_key.size(), text.data(), space, nullptr, &decoded, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        decoded != crypto::kKeyBytes) {
        return std::nullopt;
    }
    std::uint64_t generation = 0;
    const std::string_view number = text.substr(space + 1);
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), generation);
    if (error != std::errc() || end != number.data() + number.size()) {
        return std::nullopt;
    }
    key.newest_generation = generation;
    return key;
}

using CollectionPtr = GLibOwned<SecretCollection, unref<SecretCollection>>;

// The keyring new items go to; refused when locked rather than prompted for.
Result<void> open_default_collection(const Watchdog& watchdog, const Connection& connection,
                                     CollectionPtr& collection) {
    ErrorPtr error;
    collection.pointer = secret_collection_for_alias_sync(connection.service.get(), SECRET_COLLECTION_DEFAULT,
                                                          SECRET_COLLECTION_NONE, watchdog.cancellable(), error.out());
    if (collection.get() == nullptr) {
        return std::unexpected(error.get() != nullptr ? failed(watchdog, "finding the default keyring", error.get())
                                                      : unavailable("it has no default keyring"));
    }
    if (secret_collection_get_locked(collection.get())) {
        return std::unexpected(locked("default keyring"));
    }
    return {};
}

Result<void> store_item(const StoreIdentity& store, const crypto::SecureBuffer& data_key, std::uint64_t generation) {
    Watchdog watchdog;
    Connection connection;
    if (auto connected = connect(watchdog, connection); !connected) {
        return connected;
    }
    CollectionPtr collection;
    if (auto opened = open_default_collection(watchdog, connection, collection); !opened) {
        return opened;
    }
    ErrorPtr error;
    const crypto::SecureBuffer text = encode_item_secret(data_key, generation);
    GLibOwned<SecretValue, unref_secret_value> value(
        secret_value_new(reinterpret_cast<const gchar*>(text.data()), static_cast<gssize>(text.size()), "text/plain"));
    GLibOwned<GHashTable, unref_hash_table> attributes(attributes_for(store));
    const std::string label = "keyhold store key (" + store.directory.string() + ")";
    GLibOwned<SecretItem, unref<SecretItem>> item(
        secret_item_create_sync(collection.get(), store_key_schema(), attributes.get(), label.c_str(), value.get(),
                                SECRET_ITEM_CREATE_REPLACE, watchdog.cancellable(), error.out()));
    if (item.get() == nullptr) {
        return std::unexpected(failed(watchdog, "saving the store key", error.get()));
    }
    return {};
}

class SecretServiceProtector final : public KeyProtector {
public:
    std::string_view name() const override { return "secret-service"; }

    Result<std::vector<unsigned char>> protect(const StoreIdentity& store, const crypto::SecureBuffer& data_key,
                                               std::uint64_t generation) override {
        if (auto stored = store_item(store, data_key, generation); !stored) {
            return std::unexpected(stored.error());
        }
        return std::vector<unsigned char>{};  // the item is found by the store id in the header
    }

    Result<UnprotectedKey> unprotect(const StoreIdentity& store, std::span<const unsigned char> params) override {
        if (!params.empty()) {
            return fail("the secret-service parameters in the header of the keyhold store in " +
                        store.directory.string() + " are damaged");
        }
        Watchdog watchdog;
        Connection connection;
        if (auto connected = connect(watchdog, connection); !connected) {
            return std::unexpected(connected.error());
        }
        ErrorPtr error;
        GLibOwned<GHashTable, unref_hash_table> attributes(attributes_for(store));
        // No SECRET_SEARCH_UNLOCK: a locked keyring is reported, never prompted for.
        GLibOwned<GList, free_item_list> items(
            secret_service_search_sync(connection.service.get(), store_key_schema(), attributes.get(),
                                       SECRET_SEARCH_LOAD_SECRETS, watchdog.cancellable(), error.out()));
        if (error.get() != nullptr) {
            return std::unexpected(failed(watchdog, "looking up the store key", error.get()));
        }
        if (items.get() == nullptr) {
            return fail("the Secret Service holds no key for the keyhold store in " + store.directory.string() +
                        " (store " + store.store_id +
                        "): the keyring entry was deleted, or the store was copied from another account or machine");
        }
        auto* item = static_cast<SecretItem*>(items.get()->data);
        if (secret_item_get_locked(item)) {
            return std::unexpected(locked("keyring holding keyhold's store key"));
        }
        GLibOwned<SecretValue, unref_secret_value> value(secret_item_get_secret(item));
        if (value.get() == nullptr) {
            return std::unexpected(failed(watchdog, "reading the store key", nullptr));
        }
        gsize length = 0;
        const gchar* text = secret_value_get(value.get(), &length);
        auto key = decode_item_secret({text, length});
        if (!key) {
            return fail("the Secret Service item holding keyhold's store key for " + store.directory.string() +
                        " is damaged");
        }
        return std::move(*key);
    }

    Result<void> record_generation(const StoreIdentity& store, const crypto::SecureBuffer& data_key,
                                   std::uint64_t generation) override {
        return store_item(store, data_key, generation);
    }

    Result<void> forget(const StoreIdentity& store) override {
        Watchdog watchdog;
        Connection connection;
        if (auto connected = connect(watchdog, connection); !connected) {
            return connected;
        }
        ErrorPtr error;
        GLibOwned<GHashTable, unref_hash_table> attributes(attributes_for(store));
        if (!secret_service_clear_sync(connection.service.get(), store_key_schema(), attributes.get(),
                                       watchdog.cancellable(), error.out()) &&
            error.get() != nullptr) {
            return std::unexpected(failed(watchdog, "removing the store key", error.get()));
        }
        return {};
    }
};

}  // namespace

std::unique_ptr<KeyProtector> make_secret_service_protector() { return std::make_unique<SecretServiceProtector>(); }

Result<void> secret_service_answers() {
    Watchdog watchdog;
    Connection connection;
    if (auto connected = connect(watchdog, connection); !connected) {
        return connected;
    }
    CollectionPtr collection;
    return open_default_collection(watchdog, connection, collection);
}

}  // namespace keyhold::platform
