// keyhold-secret-service.so: the store key's item in the Secret Service (the freedesktop.org
// Secret Service API, https://specifications.freedesktop.org/secret-service/), behind the C
// interface of secret_service_abi.h.
//
// It speaks the API with libdbus, the reference D-Bus library, in a "plain" session on the
// user's private session bus: a lookup is a connection and three calls. libsecret's first
// call in a process costs several milliseconds more (GLib's type system, a Diffie-Hellman
// session through libgcrypt, property proxies), and every credential helper call without a
// cached key would pay it (docs/benchmarks.md).

#include <dbus/dbus.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "secret_service_abi.h"

namespace {

// Every call must end well within a second or fail: docker waits on us, and a missing or
// wedged keyring must be an error message, never a hang.
constexpr int kCallTimeoutMs = 800;
constexpr const char* kBusName = "org.freedesktop.secrets";
constexpr const char* kServicePath = "/org/freedesktop/secrets";
constexpr const char* kServiceInterface = "org.freedesktop.Secret.Service";
constexpr const char* kCollectionInterface = "org.freedesktop.Secret.Collection";
constexpr const char* kItemInterface = "org.freedesktop.Secret.Item";
constexpr const char* kSchema = "io.keyhold.StoreKey";  // libsecret's xdg:schema, for tools that show it

struct Message {
    DBusMessage* pointer = nullptr;
    explicit Message(DBusMessage* message) : pointer(message) {}
    Message(const Message&) = delete;
    Message& operator=(const Message&) = delete;
    Message(Message&& other) noexcept : pointer(other.pointer) { other.pointer = nullptr; }
    ~Message() {
        if (pointer != nullptr) {
            dbus_message_unref(pointer);
        }
    }
};

struct ErrorHolder {
    DBusError error;
    ErrorHolder() { dbus_error_init(&error); }
    ErrorHolder(const ErrorHolder&) = delete;
    ErrorHolder& operator=(const ErrorHolder&) = delete;
    ~ErrorHolder() { dbus_error_free(&error); }
};

bool session_bus_configured() {
    if (const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS"); address != nullptr && *address != '\0') {
        return true;
    }
    const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
    struct stat info {};
    return runtime_dir != nullptr && ::stat((std::string(runtime_dir) + "/bus").c_str(), &info) == 0 &&
           S_ISSOCK(info.st_mode);
}

// One operation: its private connection, its session and why it failed.
class Call {
public:
    Call(char* reason, size_t reason_size) : reason_(reason), reason_size_(reason_size) {}
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;
    ~Call() {
        if (bus_ != nullptr) {
            dbus_connection_close(bus_);
            dbus_connection_unref(bus_);
        }
    }

    int fail(int status, const std::string& why) const {
        if (reason_size_ > 0) {
            std::snprintf(reason_, reason_size_, "%s", why.c_str());
        }
        return status;
    }

    int failed(const char* doing, const DBusError& error) const {
        if (dbus_error_has_name(&error, DBUS_ERROR_SERVICE_UNKNOWN) ||
            dbus_error_has_name(&error, DBUS_ERROR_NAME_HAS_NO_OWNER)) {
            return fail(KEYHOLD_SS_UNAVAILABLE, "no Secret Service (org.freedesktop.secrets) runs on the session bus");
        }
        if (dbus_error_has_name(&error, DBUS_ERROR_UNKNOWN_METHOD) ||
            dbus_error_has_name(&error, DBUS_ERROR_UNKNOWN_OBJECT)) {
            const std::string_view message = error.message != nullptr ? error.message : "";
            if (message.starts_with("Object does not exist") ||
                dbus_error_has_name(&error, DBUS_ERROR_UNKNOWN_OBJECT)) {
                return fail(KEYHOLD_SS_NOT_FOUND, "no item");  // deleted since it was found (a re-key)
            }
            // gnome-keyring answers a method on its service object so when it has not yet set up
            // its side of a connection that just arrived (many helper calls at once); the same
            // call on a new connection works.
            return fail(KEYHOLD_SS_BUSY, std::string(doing) + ": " + std::string(message));
        }
        if (dbus_error_has_name(&error, DBUS_ERROR_NO_REPLY) || dbus_error_has_name(&error, DBUS_ERROR_TIMEOUT)) {
            return fail(KEYHOLD_SS_UNAVAILABLE,
                        "it did not answer within " + std::to_string(kCallTimeoutMs) + " ms while " + doing);
        }
        return fail(KEYHOLD_SS_FAILED,
                    std::string(doing) + ": " + (error.message != nullptr ? error.message : "unknown error"));
    }

    // A private connection to the session bus, never an autolaunched one.
    int connect() {
        if (!session_bus_configured()) {
            return fail(KEYHOLD_SS_UNAVAILABLE, "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)");
        }
        ErrorHolder error;
        const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS");
        const std::string fallback =
            "unix:path=" + std::string(std::getenv("XDG_RUNTIME_DIR") ? std::getenv("XDG_RUNTIME_DIR") : "") + "/bus";
        bus_ = dbus_connection_open_private(address != nullptr && *address != '\0' ? address : fallback.c_str(),
                                            &error.error);
        if (bus_ == nullptr || !dbus_bus_register(bus_, &error.error)) {
            return fail(KEYHOLD_SS_UNAVAILABLE, std::string("cannot reach the D-Bus session bus: ") +
                                                    (error.error.message != nullptr ? error.error.message : "unknown"));
        }
        dbus_connection_set_exit_on_disconnect(bus_, FALSE);
        return KEYHOLD_SS_OK;
    }

    // Sends `message` (which never starts the service by D-Bus activation: on a headless
    // machine that would create a new, locked keyring and wait on a prompt nobody can answer).
    Message send(Message message, DBusError& error) const {
        dbus_message_set_auto_start(message.pointer, FALSE);
        return Message(dbus_connection_send_with_reply_and_block(bus_, message.pointer, kCallTimeoutMs, &error));
    }

    // A "plain" session: the Secret Service API's algorithm for a local, per-user bus.
    int open_session() {
        Message message(dbus_message_new_method_call(kBusName, kServicePath, kServiceInterface, "OpenSession"));
        DBusMessageIter arguments;
        DBusMessageIter variant;
        const char* algorithm = "plain";
        const char* empty = "";
        dbus_message_iter_init_append(message.pointer, &arguments);
        dbus_message_iter_append_basic(&arguments, DBUS_TYPE_STRING, &algorithm);
        dbus_message_iter_open_container(&arguments, DBUS_TYPE_VARIANT, "s", &variant);
        dbus_message_iter_append_basic(&variant, DBUS_TYPE_STRING, &empty);
        dbus_message_iter_close_container(&arguments, &variant);
        ErrorHolder error;
        Message reply = send(std::move(message), error.error);
        if (reply.pointer == nullptr) {
            return failed("opening a session", error.error);
        }
        DBusMessageIter results;
        dbus_message_iter_init(reply.pointer, &results);
        dbus_message_iter_next(&results);  // the (empty) output variant
        if (dbus_message_iter_get_arg_type(&results) != DBUS_TYPE_OBJECT_PATH) {
            return fail(KEYHOLD_SS_FAILED, "opening a session: an unexpected answer");
        }
        const char* session = nullptr;
        dbus_message_iter_get_basic(&results, &session);
        session_ = session;
        return KEYHOLD_SS_OK;
    }

    const std::string& session() const { return session_; }

private:
    char* reason_;
    size_t reason_size_;
    DBusConnection* bus_ = nullptr;
    std::string session_;
};

// What a search names, or all of an item's attributes when it is created.
struct ItemAttributes {
    const char* store_id;
    const char* key_id = nullptr;     // every key of the store when null
    const char* directory = nullptr;  // any directory when null
};

void append_attributes(DBusMessageIter* into, const ItemAttributes& item) {
    std::vector<std::pair<const char*, const char*>> attributes = {{"xdg:schema", kSchema}, {"store", item.store_id}};
    if (item.key_id != nullptr) {
        attributes.emplace_back("key", item.key_id);
    }
    if (item.directory != nullptr) {
        attributes.emplace_back("directory", item.directory);
    }
    DBusMessageIter dictionary;
    dbus_message_iter_open_container(into, DBUS_TYPE_ARRAY, "{ss}", &dictionary);
    for (const auto& [name, value] : attributes) {
        DBusMessageIter entry;
        dbus_message_iter_open_container(&dictionary, DBUS_TYPE_DICT_ENTRY, nullptr, &entry);
        dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &name);
        dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &value);
        dbus_message_iter_close_container(&dictionary, &entry);
    }
    dbus_message_iter_close_container(into, &dictionary);
}

std::vector<std::string> object_paths(DBusMessageIter* array) {
    std::vector<std::string> paths;
    DBusMessageIter element;
    dbus_message_iter_recurse(array, &element);
    while (dbus_message_iter_get_arg_type(&element) == DBUS_TYPE_OBJECT_PATH) {
        const char* path = nullptr;
        dbus_message_iter_get_basic(&element, &path);
        paths.emplace_back(path);
        dbus_message_iter_next(&element);
    }
    return paths;
}

struct Found {
    std::vector<std::string> unlocked;
    std::vector<std::string> locked;
};

int search(const Call& call, const ItemAttributes& attributes, Found& found) {
    Message message(dbus_message_new_method_call(kBusName, kServicePath, kServiceInterface, "SearchItems"));
    DBusMessageIter arguments;
    dbus_message_iter_init_append(message.pointer, &arguments);
    append_attributes(&arguments, attributes);
    ErrorHolder error;
    Message reply = call.send(std::move(message), error.error);
    if (reply.pointer == nullptr) {
        return call.failed("looking up the store key", error.error);
    }
    DBusMessageIter results;
    dbus_message_iter_init(reply.pointer, &results);
    found.unlocked = object_paths(&results);
    dbus_message_iter_next(&results);
    found.locked = object_paths(&results);
    return KEYHOLD_SS_OK;
}

// The keyring new items go to (the "default" alias), refused when locked: never a prompt.
int default_collection(const Call& call, std::string& collection) {
    Message message(dbus_message_new_method_call(kBusName, kServicePath, kServiceInterface, "ReadAlias"));
    const char* alias = "default";
    dbus_message_append_args(message.pointer, DBUS_TYPE_STRING, &alias, DBUS_TYPE_INVALID);
    ErrorHolder error;
    Message reply = call.send(std::move(message), error.error);
    const char* path = nullptr;
    if (reply.pointer == nullptr ||
        !dbus_message_get_args(reply.pointer, &error.error, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID)) {
        return call.failed("finding the default keyring", error.error);
    }
    if (std::strcmp(path, "/") == 0) {
        return call.fail(KEYHOLD_SS_UNAVAILABLE, "it has no default keyring");
    }
    collection = path;

    Message get(dbus_message_new_method_call(kBusName, path, DBUS_INTERFACE_PROPERTIES, "Get"));
    const char* interface = kCollectionInterface;
    const char* property = "Locked";
    dbus_message_append_args(get.pointer, DBUS_TYPE_STRING, &interface, DBUS_TYPE_STRING, &property, DBUS_TYPE_INVALID);
    Message answer = call.send(std::move(get), error.error);
    if (answer.pointer == nullptr) {
        return call.failed("asking whether the default keyring is locked", error.error);
    }
    DBusMessageIter results;
    DBusMessageIter variant;
    dbus_message_iter_init(answer.pointer, &results);
    dbus_message_iter_recurse(&results, &variant);
    dbus_bool_t locked = FALSE;
    if (dbus_message_iter_get_arg_type(&variant) == DBUS_TYPE_BOOLEAN) {
        dbus_message_iter_get_basic(&variant, &locked);
    }
    return locked ? call.fail(KEYHOLD_SS_LOCKED, "default keyring") : KEYHOLD_SS_OK;
}

void append_bytes(DBusMessageIter* into, const void* data, int size) {
    DBusMessageIter array;
    dbus_message_iter_open_container(into, DBUS_TYPE_ARRAY, "y", &array);
    dbus_message_iter_append_fixed_array(&array, DBUS_TYPE_BYTE, &data, size);
    dbus_message_iter_close_container(into, &array);
}

// The API's Secret struct (oayays): session, parameters (none in a plain session), value, type.
void append_secret(DBusMessageIter* into, const Call& call, const char* secret, size_t secret_size) {
    DBusMessageIter secret_struct;
    const char* session = call.session().c_str();
    const char* content_type = "text/plain";
    dbus_message_iter_open_container(into, DBUS_TYPE_STRUCT, nullptr, &secret_struct);
    dbus_message_iter_append_basic(&secret_struct, DBUS_TYPE_OBJECT_PATH, &session);
    append_bytes(&secret_struct, "", 0);
    append_bytes(&secret_struct, secret, static_cast<int>(secret_size));
    dbus_message_iter_append_basic(&secret_struct, DBUS_TYPE_STRING, &content_type);
    dbus_message_iter_close_container(into, &secret_struct);
}

// The unlocked items of (store_id, key_id); a status that says why there is none.
int find_unlocked(const Call& call, const char* store_id, const char* key_id, Found& found) {
    if (int status = search(call, {store_id, key_id}, found); status != KEYHOLD_SS_OK) {
        return status;
    }
    if (found.unlocked.empty()) {
        return found.locked.empty() ? call.fail(KEYHOLD_SS_NOT_FOUND, "no item")
                                    : call.fail(KEYHOLD_SS_LOCKED, "keyring holding keyhold's store key");
    }
    return KEYHOLD_SS_OK;
}

int answers(char* reason, size_t reason_size) {
    Call call(reason, reason_size);
    if (int status = call.connect(); status != KEYHOLD_SS_OK) {
        return status;
    }
    std::string collection;
    return default_collection(call, collection);
}

// One {sv} entry of a properties dictionary; `append_value` writes the variant's content.
template <typename AppendValue>
void append_property(DBusMessageIter* properties, const char* name, const char* signature, AppendValue append_value) {
    DBusMessageIter entry;
    DBusMessageIter variant;
    dbus_message_iter_open_container(properties, DBUS_TYPE_DICT_ENTRY, nullptr, &entry);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &name);
    dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, signature, &variant);
    append_value(&variant);
    dbus_message_iter_close_container(&entry, &variant);
    dbus_message_iter_close_container(properties, &entry);
}

int store(const char* store_id, const char* key_id, const char* directory, const char* label, const char* secret,
          size_t secret_size, char* reason, size_t reason_size) {
    Call call(reason, reason_size);
    std::string collection;
    if (int status = call.connect(); status != KEYHOLD_SS_OK) {
        return status;
    }
    if (int status = default_collection(call, collection); status != KEYHOLD_SS_OK) {
        return status;
    }
    if (int status = call.open_session(); status != KEYHOLD_SS_OK) {
        return status;
    }
    Message message(dbus_message_new_method_call(kBusName, collection.c_str(), kCollectionInterface, "CreateItem"));
    DBusMessageIter arguments;
    dbus_message_iter_init_append(message.pointer, &arguments);
    DBusMessageIter properties;
    dbus_message_iter_open_container(&arguments, DBUS_TYPE_ARRAY, "{sv}", &properties);
    append_property(&properties, "org.freedesktop.Secret.Item.Label", "s",
                    [&](DBusMessageIter* value) { dbus_message_iter_append_basic(value, DBUS_TYPE_STRING, &label); });
    append_property(&properties, "org.freedesktop.Secret.Item.Attributes", "a{ss}", [&](DBusMessageIter* value) {
        append_attributes(value, {store_id, key_id, directory});
    });
    dbus_message_iter_close_container(&arguments, &properties);
    append_secret(&arguments, call, secret, secret_size);
    dbus_bool_t replace = TRUE;  // the item of this key, if any, is updated in place
    dbus_message_iter_append_basic(&arguments, DBUS_TYPE_BOOLEAN, &replace);

    ErrorHolder error;
    Message reply = call.send(std::move(message), error.error);
    const char* item = nullptr;
    const char* prompt = nullptr;
    if (reply.pointer == nullptr || !dbus_message_get_args(reply.pointer, &error.error, DBUS_TYPE_OBJECT_PATH, &item,
                                                           DBUS_TYPE_OBJECT_PATH, &prompt, DBUS_TYPE_INVALID)) {
        return call.failed("saving the store key", error.error);
    }
    if (std::strcmp(prompt, "/") != 0) {
        return call.fail(KEYHOLD_SS_LOCKED, "default keyring");  // it wants a prompt: keyhold never runs one
    }
    return KEYHOLD_SS_OK;
}

// Connects, finds the unlocked item of (store_id, key_id) and opens a session to read or write it.
int open_item(Call& call, const char* store_id, const char* key_id, Found& found) {
    if (int status = call.connect(); status != KEYHOLD_SS_OK) {
        return status;
    }
    if (int status = find_unlocked(call, store_id, key_id, found); status != KEYHOLD_SS_OK) {
        return status;
    }
    return call.open_session();
}

// SetSecret on the existing item only: a late copy of the generation must not bring back the
// item of a key that a re-key retired.
int update(const char* store_id, const char* key_id, const char* secret, size_t secret_size, char* reason,
           size_t reason_size) {
    Call call(reason, reason_size);
    Found found;
    if (int status = open_item(call, store_id, key_id, found); status != KEYHOLD_SS_OK) {
        return status;
    }
    Message message(
        dbus_message_new_method_call(kBusName, found.unlocked.front().c_str(), kItemInterface, "SetSecret"));
    DBusMessageIter arguments;
    dbus_message_iter_init_append(message.pointer, &arguments);
    append_secret(&arguments, call, secret, secret_size);
    ErrorHolder error;
    Message reply = call.send(std::move(message), error.error);
    if (reply.pointer == nullptr) {
        return call.failed("saving the store key's generation", error.error);
    }
    return KEYHOLD_SS_OK;
}

int lookup(const char* store_id, const char* key_id, char* secret, size_t capacity, size_t* secret_size, char* reason,
           size_t reason_size) {
    Call call(reason, reason_size);
    Found found;
    if (int status = open_item(call, store_id, key_id, found); status != KEYHOLD_SS_OK) {
        return status;
    }
    Message message(dbus_message_new_method_call(kBusName, kServicePath, kServiceInterface, "GetSecrets"));
    DBusMessageIter arguments;
    DBusMessageIter items;
    const char* item = found.unlocked.front().c_str();
    const char* session = call.session().c_str();
    dbus_message_iter_init_append(message.pointer, &arguments);
    dbus_message_iter_open_container(&arguments, DBUS_TYPE_ARRAY, "o", &items);
    dbus_message_iter_append_basic(&items, DBUS_TYPE_OBJECT_PATH, &item);
    dbus_message_iter_close_container(&arguments, &items);
    dbus_message_iter_append_basic(&arguments, DBUS_TYPE_OBJECT_PATH, &session);
    ErrorHolder error;
    Message reply = call.send(std::move(message), error.error);
    if (reply.pointer == nullptr) {
        return call.failed("reading the store key", error.error);
    }
    // a{o(oayays)}: the first entry's struct, its third member (the value).
    DBusMessageIter results;
    DBusMessageIter dictionary;
    DBusMessageIter entry;
    DBusMessageIter secret_struct;
    DBusMessageIter value;
    dbus_message_iter_init(reply.pointer, &results);
    dbus_message_iter_recurse(&results, &dictionary);
    if (dbus_message_iter_get_arg_type(&dictionary) != DBUS_TYPE_DICT_ENTRY) {
        // It was unlocked when searched: it was deleted since (a re-key retired it).
        return call.fail(KEYHOLD_SS_NOT_FOUND, "no item");
    }
    dbus_message_iter_recurse(&dictionary, &entry);
    dbus_message_iter_next(&entry);
    dbus_message_iter_recurse(&entry, &secret_struct);
    dbus_message_iter_next(&secret_struct);
    dbus_message_iter_next(&secret_struct);
    if (dbus_message_iter_get_arg_type(&secret_struct) != DBUS_TYPE_ARRAY) {
        return call.fail(KEYHOLD_SS_FAILED, "reading the store key: an unexpected answer");
    }
    dbus_message_iter_recurse(&secret_struct, &value);
    const unsigned char* bytes = nullptr;
    int length = 0;
    dbus_message_iter_get_fixed_array(&value, &bytes, &length);
    if (static_cast<size_t>(length) > capacity) {
        return call.fail(KEYHOLD_SS_TOO_LARGE, "the store key item is larger than expected");
    }
    std::memcpy(secret, bytes, static_cast<size_t>(length));
    *secret_size = static_cast<size_t>(length);
    return KEYHOLD_SS_OK;
}

// Deletes `item`; one already gone (another process's re-key) is no failure.
int delete_item(const Call& call, const std::string& item) {
    ErrorHolder error;
    Message reply =
        call.send(Message(dbus_message_new_method_call(kBusName, item.c_str(), kItemInterface, "Delete")), error.error);
    if (reply.pointer == nullptr) {
        const int status = call.failed("removing a store key", error.error);
        return status == KEYHOLD_SS_NOT_FOUND ? KEYHOLD_SS_OK : status;
    }
    return KEYHOLD_SS_OK;
}

int clear(const char* store_id, const char* key_id, char* reason, size_t reason_size) {
    Call call(reason, reason_size);
    Found found;
    if (int status = call.connect(); status != KEYHOLD_SS_OK) {
        return status;
    }
    if (int status = search(call, {store_id, key_id}, found); status != KEYHOLD_SS_OK) {
        return status;
    }
    for (const std::string& item : found.unlocked) {
        if (int status = delete_item(call, item); status != KEYHOLD_SS_OK) {
            return status;
        }
    }
    return found.locked.empty() ? KEYHOLD_SS_OK : call.fail(KEYHOLD_SS_LOCKED, "keyring holding keyhold's store key");
}

// The item's "key" attribute, or "" when it has none.
std::string key_attribute(const Call& call, const std::string& item, int& status) {
    Message get(dbus_message_new_method_call(kBusName, item.c_str(), DBUS_INTERFACE_PROPERTIES, "Get"));
    const char* interface = kItemInterface;
    const char* property = "Attributes";
    dbus_message_append_args(get.pointer, DBUS_TYPE_STRING, &interface, DBUS_TYPE_STRING, &property, DBUS_TYPE_INVALID);
    ErrorHolder error;
    Message reply = call.send(std::move(get), error.error);
    if (reply.pointer == nullptr) {
        status = call.failed("reading a store key's attributes", error.error);
        return {};
    }
    // v containing a{ss}
    DBusMessageIter results;
    DBusMessageIter variant;
    DBusMessageIter dictionary;
    dbus_message_iter_init(reply.pointer, &results);
    if (dbus_message_iter_get_arg_type(&results) != DBUS_TYPE_VARIANT) {
        status = call.fail(KEYHOLD_SS_FAILED, "reading a store key's attributes: an unexpected answer");
        return {};
    }
    dbus_message_iter_recurse(&results, &variant);
    if (dbus_message_iter_get_arg_type(&variant) != DBUS_TYPE_ARRAY) {
        status = call.fail(KEYHOLD_SS_FAILED, "reading a store key's attributes: an unexpected answer");
        return {};
    }
    dbus_message_iter_recurse(&variant, &dictionary);
    status = KEYHOLD_SS_OK;
    while (dbus_message_iter_get_arg_type(&dictionary) == DBUS_TYPE_DICT_ENTRY) {
        DBusMessageIter entry;
        dbus_message_iter_recurse(&dictionary, &entry);
        const char* name = nullptr;
        const char* value = nullptr;
        if (dbus_message_iter_get_arg_type(&entry) == DBUS_TYPE_STRING) {
            dbus_message_iter_get_basic(&entry, &name);
            dbus_message_iter_next(&entry);
            if (dbus_message_iter_get_arg_type(&entry) == DBUS_TYPE_STRING) {
                dbus_message_iter_get_basic(&entry, &value);
            }
        }
        if (name != nullptr && value != nullptr && std::strcmp(name, "key") == 0) {
            return value;
        }
        dbus_message_iter_next(&dictionary);
    }
    return {};
}

int clear_others(const char* store_id, const char* directory, const char* kept_key_id, char* reason,
                 size_t reason_size) {
    Call call(reason, reason_size);
    Found found;
    if (int status = call.connect(); status != KEYHOLD_SS_OK) {
        return status;
    }
    if (int status = search(call, {store_id, nullptr, directory}, found); status != KEYHOLD_SS_OK) {
        return status;
    }
    for (const std::string& item : found.unlocked) {
        int status = KEYHOLD_SS_OK;
        const std::string key_id = key_attribute(call, item, status);
        if (status == KEYHOLD_SS_NOT_FOUND) {
            continue;  // already gone
        }
        if (status != KEYHOLD_SS_OK) {
            return status;
        }
        if (key_id == kept_key_id) {
            continue;
        }
        if (status = delete_item(call, item); status != KEYHOLD_SS_OK) {
            return status;
        }
    }
    return found.locked.empty() ? KEYHOLD_SS_OK : call.fail(KEYHOLD_SS_LOCKED, "keyring holding keyhold's store key");
}

constexpr keyhold_secret_service_api kApi = {
    KEYHOLD_SECRET_SERVICE_ABI_VERSION, answers, store, update, lookup, clear, clear_others};

}  // namespace

extern "C" __attribute__((visibility("default"))) const keyhold_secret_service_api* keyhold_secret_service_api_v3() {
    return &kApi;
}
