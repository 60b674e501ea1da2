// keyhold-secret-service.so: the store key's item in the Secret Service, over D-Bus with
// libsecret, behind the C interface of secret_service_abi.h.

#include <libsecret/secret.h>
#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "secret_service_abi.h"

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
struct Owned {
    T* pointer = nullptr;
    Owned() = default;
    explicit Owned(T* owned) : pointer(owned) {}
    Owned(const Owned&) = delete;
    Owned& operator=(const Owned&) = delete;
    ~Owned() {
        if (pointer != nullptr) {
            Release(pointer);
        }
    }
    T* get() const { return pointer; }
    T** out() { return &pointer; }
};

template <class T>
void unref(T* object) {
    g_object_unref(object);
}
void free_error(GError* error) { g_error_free(error); }
void unref_hash_table(GHashTable* table) { g_hash_table_unref(table); }
void unref_secret_value(SecretValue* value) { secret_value_unref(value); }
void free_item_list(GList* items) { g_list_free_full(items, g_object_unref); }
void unref_variant(GVariant* variant) { g_variant_unref(variant); }

using ErrorPtr = Owned<GError, free_error>;
using ServicePtr = Owned<SecretService, unref<SecretService>>;
using CollectionPtr = Owned<SecretCollection, unref<SecretCollection>>;

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

// The reason a call failed, for the caller's message.
class Reason {
public:
    Reason(char* text, size_t size) : text_(text), size_(size) {}
    int set(int status, const std::string& why) const {
        if (size_ > 0) {
            std::snprintf(text_, size_, "%s", why.c_str());
        }
        return status;
    }
    int failed(const Watchdog& watchdog, const char* doing, const GError* error) const {
        if (watchdog.expired()) {
            return set(KEYHOLD_SS_UNAVAILABLE, "it did not answer within " + std::to_string(kDeadline.count()) +
                                                   " ms while " + doing);
        }
        return set(KEYHOLD_SS_FAILED,
                   std::string(doing) + ": " + (error != nullptr ? error->message : "unknown error"));
    }

private:
    char* text_;
    size_t size_;
};

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

// Connects without D-Bus activation: starting a keyring daemon on a headless machine would
// create a new, locked keyring and wait on a password prompt nobody can answer.
int connect(const Watchdog& watchdog, ServicePtr& service, const Reason& reason) {
    if (!session_bus_configured()) {
        return reason.set(KEYHOLD_SS_UNAVAILABLE, "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)");
    }
    ErrorPtr error;
    Owned<GDBusConnection, unref<GDBusConnection>> bus(
        g_bus_get_sync(G_BUS_TYPE_SESSION, watchdog.cancellable(), error.out()));
    if (bus.get() == nullptr) {
        return reason.set(KEYHOLD_SS_UNAVAILABLE, std::string("cannot reach the D-Bus session bus: ") +
                                                      (error.get() != nullptr ? error.get()->message : "unknown"));
    }
    Owned<GVariant, unref_variant> owned(g_dbus_connection_call_sync(
        bus.get(), "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
        g_variant_new("(s)", kSecretsBusName), G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, kCallTimeoutMs,
        watchdog.cancellable(), error.out()));
    if (owned.get() == nullptr) {
        return reason.failed(watchdog, "looking for org.freedesktop.secrets", error.get());
    }
    gboolean has_owner = FALSE;
    g_variant_get(owned.get(), "(b)", &has_owner);
    if (!has_owner) {
        return reason.set(KEYHOLD_SS_UNAVAILABLE, "no Secret Service (org.freedesktop.secrets) runs on the session bus");
    }
    service.pointer = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, watchdog.cancellable(), error.out());
    if (service.get() == nullptr) {
        return reason.failed(watchdog, "opening a session", error.get());
    }
    return KEYHOLD_SS_OK;
}

// The keyring new items go to; refused when locked rather than prompted for.
int open_default_collection(const Watchdog& watchdog, const ServicePtr& service, CollectionPtr& collection,
                            const Reason& reason) {
    ErrorPtr error;
    collection.pointer = secret_collection_for_alias_sync(service.get(), SECRET_COLLECTION_DEFAULT,
                                                          SECRET_COLLECTION_NONE, watchdog.cancellable(), error.out());
    if (collection.get() == nullptr) {
        return error.get() != nullptr ? reason.failed(watchdog, "finding the default keyring", error.get())
                                      : reason.set(KEYHOLD_SS_UNAVAILABLE, "it has no default keyring");
    }
    if (secret_collection_get_locked(collection.get())) {
        return reason.set(KEYHOLD_SS_LOCKED, "default keyring");
    }
    return KEYHOLD_SS_OK;
}

GHashTable* attributes_for(const char* store_id) {
    return secret_attributes_build(store_key_schema(), "store", store_id, nullptr);
}

int answers(char* reason_text, size_t reason_size) {
    const Reason reason(reason_text, reason_size);
    Watchdog watchdog;
    ServicePtr service;
    if (int status = connect(watchdog, service, reason); status != KEYHOLD_SS_OK) {
        return status;
    }
    CollectionPtr collection;
    return open_default_collection(watchdog, service, collection, reason);
}

int store(const char* store_id, const char* label, const char* secret, size_t secret_size, char* reason_text,
          size_t reason_size) {
    const Reason reason(reason_text, reason_size);
    Watchdog watchdog;
    ServicePtr service;
    if (int status = connect(watchdog, service, reason); status != KEYHOLD_SS_OK) {
        return status;
    }
    CollectionPtr collection;
    if (int status = open_default_collection(watchdog, service, collection, reason); status != KEYHOLD_SS_OK) {
        return status;
    }
    ErrorPtr error;
    Owned<SecretValue, unref_secret_value> value(
        secret_value_new(secret, static_cast<gssize>(secret_size), "text/plain"));
    Owned<GHashTable, unref_hash_table> attributes(attributes_for(store_id));
    Owned<SecretItem, unref<SecretItem>> item(secret_item_create_sync(collection.get(), store_key_schema(),
                                                                      attributes.get(), label, value.get(),
                                                                      SECRET_ITEM_CREATE_REPLACE,
                                                                      watchdog.cancellable(), error.out()));
    if (item.get() == nullptr) {
        return reason.failed(watchdog, "saving the store key", error.get());
    }
    return KEYHOLD_SS_OK;
}

int lookup(const char* store_id, char* secret, size_t capacity, size_t* secret_size, char* reason_text,
           size_t reason_size) {
    const Reason reason(reason_text, reason_size);
    Watchdog watchdog;
    ServicePtr service;
    if (int status = connect(watchdog, service, reason); status != KEYHOLD_SS_OK) {
        return status;
    }
    ErrorPtr error;
    Owned<GHashTable, unref_hash_table> attributes(attributes_for(store_id));
    // No SECRET_SEARCH_UNLOCK: a locked keyring is reported, never prompted for.
    Owned<GList, free_item_list> items(secret_service_search_sync(service.get(), store_key_schema(), attributes.get(),
                                                                  SECRET_SEARCH_LOAD_SECRETS, watchdog.cancellable(),
                                                                  error.out()));
    if (error.get() != nullptr) {
        return reason.failed(watchdog, "looking up the store key", error.get());
    }
    if (items.get() == nullptr) {
        return reason.set(KEYHOLD_SS_NOT_FOUND, "no item");
    }
    auto* item = static_cast<SecretItem*>(items.get()->data);
    if (secret_item_get_locked(item)) {
        return reason.set(KEYHOLD_SS_LOCKED, "keyring holding keyhold's store key");
    }
    Owned<SecretValue, unref_secret_value> value(secret_item_get_secret(item));
    if (value.get() == nullptr) {
        return reason.failed(watchdog, "reading the store key", nullptr);
    }
    gsize length = 0;
    const gchar* text = secret_value_get(value.get(), &length);
    if (length > capacity) {
        return reason.set(KEYHOLD_SS_TOO_LARGE, "the store key item is larger than expected");
    }
    std::memcpy(secret, text, length);
    *secret_size = length;
    return KEYHOLD_SS_OK;
}

int clear(const char* store_id, char* reason_text, size_t reason_size) {
    const Reason reason(reason_text, reason_size);
    Watchdog watchdog;
    ServicePtr service;
    if (int status = connect(watchdog, service, reason); status != KEYHOLD_SS_OK) {
        return status;
    }
    ErrorPtr error;
    Owned<GHashTable, unref_hash_table> attributes(attributes_for(store_id));
    if (!secret_service_clear_sync(service.get(), store_key_schema(), attributes.get(), watchdog.cancellable(),
                                   error.out()) &&
        error.get() != nullptr) {
        return reason.failed(watchdog, "removing the store key", error.get());
    }
    return KEYHOLD_SS_OK;
}

constexpr keyhold_secret_service_api kApi = {KEYHOLD_SECRET_SERVICE_ABI_VERSION, answers, store, lookup, clear};

}  // namespace

extern "C" __attribute__((visibility("default"))) const keyhold_secret_service_api* keyhold_secret_service_api_v1() {
    return &kApi;
}
