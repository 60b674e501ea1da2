// keyhold-secret-service.so: the store key's item in the Secret Service (the freedesktop.org
// Secret Service API, https://specifications.freedesktop.org/secret-service/), behind the C
// interface of secret_service_abi.h.
//
// It speaks the API through libsecret, as every other Linux tool does with gnome-keyring,
// KeePassXC or KWallet: secrets cross the bus in a Diffie-Hellman session
// (dh-ietf1024-sha256-aes128-cbc-pkcs7), and the items carry a libsecret schema
// (io.keyhold.StoreKey) that Seahorse and `secret-tool` show.
//
// Each call runs in a child process of its own, forked for it, which ends with the call:
// GDBus keeps a worker thread for the rest of a process's life, and a process that forks
// after using it has a copy of GLib whose thread is gone (its D-Bus calls never leave); keyhold
// itself never runs GLib, so whatever it forks can always call here again, and a call that
// overruns its deadline ends with its child. Nothing but a status, a reason and, for a
// lookup, the item's secret comes back, through a pipe.
//
// A helper call never prompts: the service used here refuses every prompt libsecret would
// show (quiet_service_type()), so a locked keyring is KEYHOLD_SS_LOCKED, never a dialog. The
// one call that may prompt is unlock(), for `keyhold unlock`.
//
// A helper call never hangs: each step (one libsecret call: opening the session, a search,
// reading a secret...) has 800 ms, enforced by a GCancellable that a timer thread cancels
// (class Call), and a whole call has 3.2 s. A step that has not returned 300 ms after its
// cancellation is answered for by the timer thread, and the parent kills a child that is
// still there 500 ms after the call's time.

#include <fcntl.h>
#include <libsecret/secret.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "secret_service_abi.h"

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// docker waits on us: a missing or wedged keyring must be an error message, never a hang.
constexpr milliseconds kStepTime{800};        // one libsecret call (one or a few D-Bus exchanges)
constexpr milliseconds kOperationTime{3200};  // a whole module call
constexpr milliseconds kCancelGrace{300};     // a cancelled step that has not returned after this
constexpr milliseconds kBackstop{500};        // after its time, the child is killed
constexpr const char* kDefaultBusName = "org.freedesktop.secrets";
constexpr const char* kSchemaName = "io.keyhold.StoreKey";  // what keyhold has always written as xdg:schema

// The items' schema: xdg:schema io.keyhold.StoreKey and the store id, key id and directory.
// Searches with some of the attributes match too (libsecret adds xdg:schema to every search).
const SecretSchema* store_key_schema() {
    static const SecretSchema schema = [] {
        SecretSchema made{};
        made.name = kSchemaName;
        made.flags = SECRET_SCHEMA_NONE;
        made.attributes[0] = {"store", SECRET_SCHEMA_ATTRIBUTE_STRING};
        made.attributes[1] = {"key", SECRET_SCHEMA_ATTRIBUTE_STRING};
        made.attributes[2] = {"directory", SECRET_SCHEMA_ATTRIBUTE_STRING};
        return made;
    }();
    return &schema;
}

void write_reason(char* reason, size_t reason_size, std::string_view why) {
    if (reason_size > 0) {
        std::snprintf(reason, reason_size, "%.*s", static_cast<int>(why.size()), why.data());
    }
}

bool session_bus_configured() {
    if (const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS"); address != nullptr && *address != '\0') {
        return true;
    }
    const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
    struct stat info {};
    return runtime_dir != nullptr && ::stat((std::string(runtime_dir) + "/bus").c_str(), &info) == 0 &&
           S_ISSOCK(info.st_mode);
}

// ---- GLib objects ------------------------------------------------------------------------

struct ObjectUnref {
    void operator()(gpointer object) const { g_object_unref(object); }
};
template <typename T>
using Object = std::unique_ptr<T, ObjectUnref>;

struct ErrorFree {
    void operator()(GError* error) const { g_error_free(error); }
};
using ErrorPtr = std::unique_ptr<GError, ErrorFree>;

struct TableUnref {
    void operator()(GHashTable* table) const { g_hash_table_unref(table); }
};
using Table = std::unique_ptr<GHashTable, TableUnref>;

struct ValueUnref {
    void operator()(SecretValue* value) const { secret_value_unref(value); }
};
using Value = std::unique_ptr<SecretValue, ValueUnref>;

// A list of SecretItem, each holding a reference.
struct ItemList {
    GList* items = nullptr;
    ItemList() = default;
    ItemList(const ItemList&) = delete;
    ItemList& operator=(const ItemList&) = delete;
    ~ItemList() { g_list_free_full(items, g_object_unref); }
};

// ---- refusing prompts ----------------------------------------------------------------------

GQuark prompt_refused_quark() { return g_quark_from_static_string("keyhold-prompt-refused"); }

void set_prompt_refused(GError** error) {
    g_set_error_literal(error, prompt_refused_quark(), 1, "the Secret Service asked for a prompt");
}

GVariant* refuse_prompt_sync(SecretService* /*self*/, SecretPrompt* /*prompt*/, GCancellable* /*cancellable*/,
                             const GVariantType* /*return_type*/, GError** error) {
    set_prompt_refused(error);
    return nullptr;
}

void refuse_prompt_async(SecretService* self, SecretPrompt* /*prompt*/, const GVariantType* /*return_type*/,
                         GCancellable* cancellable, GAsyncReadyCallback callback, gpointer user_data) {
    GTask* task = g_task_new(self, cancellable, callback, user_data);
    GError* error = nullptr;
    set_prompt_refused(&error);
    g_task_return_error(task, error);
    g_object_unref(task);
}

GVariant* refuse_prompt_finish(SecretService* /*self*/, GAsyncResult* result, GError** error) {
    return static_cast<GVariant*>(g_task_propagate_pointer(G_TASK(result), error));
}

void quiet_service_class_init(gpointer klass, gpointer /*data*/) {
    auto* service_class = static_cast<SecretServiceClass*>(klass);
    service_class->prompt_sync = refuse_prompt_sync;
    service_class->prompt_async = refuse_prompt_async;
    service_class->prompt_finish = refuse_prompt_finish;
}

// A SecretService whose prompts (libsecret's SecretServiceClass::prompt_*, which every call
// that needs the person goes through: an unlock, a locked collection's CreateItem...) fail at
// once instead of showing anything.
GType quiet_service_type() {
    static const GType type = [] {
        GTypeQuery parent{};
        g_type_query(SECRET_TYPE_SERVICE, &parent);
        return g_type_register_static_simple(SECRET_TYPE_SERVICE, "KeyholdQuietSecretService", parent.class_size,
                                             quiet_service_class_init, parent.instance_size, nullptr,
                                             static_cast<GTypeFlags>(0));
    }();
    return type;
}

// ---- one call, in the child ----------------------------------------------------------------

struct Reply {
    std::int32_t status;
    std::uint32_t reason_size;
    std::uint32_t secret_size;
};

bool write_all(int fd, const void* data, size_t size) {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t written = ::write(fd, bytes, size);
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            return false;
        }
        bytes += written;
        size -= static_cast<size_t>(written);
    }
    return true;
}

// What a call answers its caller: status, reason, and (a lookup's) secret, in one go.
bool write_reply(int fd, int status, const std::string& reason, const char* secret, size_t secret_size) {
    const Reply reply{status, static_cast<std::uint32_t>(reason.size()), static_cast<std::uint32_t>(secret_size)};
    return write_all(fd, &reply, sizeof reply) && write_all(fd, reason.data(), reason.size()) &&
           write_all(fd, secret, secret_size);
}

// The child's side of a call: the deadline of each step, why the call failed, what it found.
// A step's cancellable is cancelled at its deadline; should libsecret still not return
// kCancelGrace later (a reply that never comes, a prompt's Completed signal from a service
// that died), the timer thread answers the caller itself and ends the child.
class Call {
public:
    Call(milliseconds total, int reply_fd) : total_end_(Clock::now() + total), total_(total), reply_fd_(reply_fd) {
        watchdog_ = std::thread([this] { watch(); });
    }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;
    ~Call() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        watchdog_.join();
        if (current_ != nullptr) {
            g_object_unref(current_);
        }
    }

    // The cancellable of the next step, cancelled when that step has taken `limit` (or the
    // call its total): every libsecret call below takes the one its step began with.
    GCancellable* step(const char* doing, milliseconds limit = kStepTime) {
        std::lock_guard lock(mutex_);
        if (current_ != nullptr) {
            g_object_unref(current_);
        }
        current_ = g_cancellable_new();
        doing_ = doing;
        step_limit_ = limit;
        deadline_ = std::min(Clock::now() + limit, total_end_);
        expired_ = false;
        wake_.notify_one();
        return current_;
    }

    int fail(int status, std::string why) {
        reason = std::move(why);
        return status;
    }

    // A status and reason for what libsecret or GDBus answered.
    int failed(const GError* error) {
        const std::string doing = current_doing();
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            std::lock_guard lock(mutex_);
            if (expired_) {
                return fail(KEYHOLD_SS_UNAVAILABLE, timeout_reason());
            }
        }
        if (error->domain == prompt_refused_quark()) {
            return fail(KEYHOLD_SS_LOCKED, "keyring holding keyhold's store key");
        }
        const std::string message = stripped_message(error);
        if (g_error_matches(error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED)) {
            return fail(KEYHOLD_SS_LOCKED, "keyring holding keyhold's store key");
        }
        if (g_error_matches(error, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT)) {
            return fail(KEYHOLD_SS_NOT_FOUND, "no item");
        }
        if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
            g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER)) {
            return fail(KEYHOLD_SS_UNAVAILABLE, "no Secret Service (org.freedesktop.secrets) runs on the session bus");
        }
        if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
            g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)) {
            // gnome-keyring: "Object does not exist at path ..."; libsecret, for an object whose
            // properties cannot be read: "No such secret item (or collection) at path ...".
            if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
                message.starts_with("Object does not exist") || message.starts_with("No such secret")) {
                return fail(KEYHOLD_SS_NOT_FOUND, "no item");  // deleted since it was found (a re-key)
            }
            // gnome-keyring answers a method on its service object so when it has not yet set up
            // its side of a connection that just arrived (many helper calls at once); the same
            // call on a new connection works.
            return fail(KEYHOLD_SS_BUSY, doing + ": " + message);
        }
        if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
            g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT) ||
            g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
            return fail(KEYHOLD_SS_UNAVAILABLE, "it did not answer while " + doing);
        }
        if (error->domain == G_IO_ERROR || g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED) ||
            g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NO_SERVER)) {
            return fail(KEYHOLD_SS_UNAVAILABLE, "cannot reach it (" + doing + "): " + message);
        }
        return fail(KEYHOLD_SS_FAILED, doing + ": " + message);
    }

    std::string reason;
    Value secret;  // what a lookup found

private:
    static std::string stripped_message(const GError* error) {
        ErrorPtr copy(g_error_copy(error));
        g_dbus_error_strip_remote_error(copy.get());
        return copy->message != nullptr ? copy->message : "unknown error";
    }

    std::string current_doing() {
        std::lock_guard lock(mutex_);
        return doing_;
    }

    // Why the current step failed at its deadline (under mutex_).
    std::string timeout_reason() const {
        return deadline_ >= total_end_
                   ? "it did not finish within " + std::to_string(total_.count()) + " ms (" + doing_ + ")"
                   : "it did not answer within " + std::to_string(step_limit_.count()) + " ms while " + doing_;
    }

    void watch() {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            const Clock::time_point now = Clock::now();
            if (current_ != nullptr && !expired_ && now >= deadline_) {
                expired_ = true;
                g_cancellable_cancel(current_);
            }
            if (expired_ && now >= deadline_ + kCancelGrace) {
                (void)write_reply(reply_fd_, KEYHOLD_SS_UNAVAILABLE, timeout_reason(), "", 0);
                ::_exit(0);
            }
            if (current_ == nullptr) {
                wake_.wait(lock);
            } else {
                wake_.wait_until(lock, expired_ ? deadline_ + kCancelGrace : deadline_);
            }
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    GCancellable* current_ = nullptr;
    std::string doing_ = "starting";
    milliseconds step_limit_ = kStepTime;
    Clock::time_point deadline_;
    const Clock::time_point total_end_;
    const milliseconds total_;
    const int reply_fd_;
    bool expired_ = false;
    bool stopping_ = false;
    std::thread watchdog_;
};

// GLib's warnings would land on the helper's stderr: keep them for the reason instead.
std::string g_last_glib_message;

GLogWriterOutput keep_glib_message(GLogLevelFlags level, const GLogField* fields, gsize n_fields,
                                   gpointer /*user_data*/) {
    if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) != 0) {
        for (gsize i = 0; i < n_fields; ++i) {
            if (std::strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].value != nullptr) {
                g_last_glib_message = fields[i].length < 0 ? std::string(static_cast<const char*>(fields[i].value))
                                                           : std::string(static_cast<const char*>(fields[i].value),
                                                                         static_cast<size_t>(fields[i].length));
            }
        }
    }
    return G_LOG_WRITER_HANDLED;
}

// The session bus, and whether the Secret Service owns its name there. Asking the bus first:
// a proxy for a name nobody owns would have D-Bus start the service (activation), which on a
// headless machine creates a new, locked keyring and waits on a prompt nobody can answer.
int connect(Call& call) {
    GError* raw_error = nullptr;
    Object<GDBusConnection> bus(
        g_bus_get_sync(G_BUS_TYPE_SESSION, call.step("connecting to the session bus"), &raw_error));
    ErrorPtr error(raw_error);
    if (!bus) {
        const int status = call.failed(error.get());
        return status == KEYHOLD_SS_UNAVAILABLE && call.reason.starts_with("it did not")
                   ? status
                   : call.fail(KEYHOLD_SS_UNAVAILABLE,
                               "cannot reach the D-Bus session bus: " + std::string(error->message));
    }
    g_dbus_connection_set_exit_on_close(bus.get(), FALSE);   // a lost bus is an error here, not an exit
    const char* name = g_getenv("SECRET_SERVICE_BUS_NAME");  // libsecret's own override, for tests
    name = name != nullptr ? name : kDefaultBusName;
    raw_error = nullptr;
    GVariant* answer = g_dbus_connection_call_sync(bus.get(), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                   "org.freedesktop.DBus", "NameHasOwner", g_variant_new("(s)", name),
                                                   G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                                                   call.step("asking the bus for the Secret Service"), &raw_error);
    error.reset(raw_error);
    if (answer == nullptr) {
        return call.failed(error.get());
    }
    gboolean owned = FALSE;
    g_variant_get(answer, "(b)", &owned);
    g_variant_unref(answer);
    if (!owned) {
        return call.fail(KEYHOLD_SS_UNAVAILABLE, "no Secret Service (org.freedesktop.secrets) runs on the session bus");
    }
    return KEYHOLD_SS_OK;
}

// The service that never prompts; with a Diffie-Hellman session when secrets cross the bus.
int open_service(Call& call, SecretServiceFlags flags, Object<SecretService>& service, GType type = 0) {
    if (int status = connect(call); status != KEYHOLD_SS_OK) {
        return status;
    }
    GError* raw_error = nullptr;
    service.reset(secret_service_open_sync(
        type != 0 ? type : quiet_service_type(), nullptr, flags,
        call.step((flags & SECRET_SERVICE_OPEN_SESSION) != 0 ? "opening a session"
                                                             : "connecting to the Secret Service"),
        &raw_error));
    ErrorPtr error(raw_error);
    return service ? KEYHOLD_SS_OK : call.failed(error.get());
}

// The keyring new items go to (the "default" alias), refused when locked: never a prompt.
int default_collection(Call& call, SecretService* service, Object<SecretCollection>& collection) {
    GError* raw_error = nullptr;
    collection.reset(secret_collection_for_alias_sync(service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
                                                      call.step("finding the default keyring"), &raw_error));
    ErrorPtr error(raw_error);
    if (error) {
        return call.failed(error.get());
    }
    if (!collection) {
        return call.fail(KEYHOLD_SS_UNAVAILABLE, "it has no default keyring");
    }
    return secret_collection_get_locked(collection.get()) ? call.fail(KEYHOLD_SS_LOCKED, "default keyring")
                                                          : KEYHOLD_SS_OK;
}

// Every item matching `attributes`, locked or not; never unlocks anything. An item deleted
// between the search and the reading of its properties (another process's re-key) fails the
// whole search as "no item": searching again finds the others.
int search(Call& call, SecretService* service, GHashTable* attributes, ItemList& found) {
    constexpr int kAttempts = 3;
    int status = KEYHOLD_SS_NOT_FOUND;
    for (int attempt = 0; attempt < kAttempts && status == KEYHOLD_SS_NOT_FOUND; ++attempt) {
        GError* raw_error = nullptr;
        found.items = secret_service_search_sync(service, store_key_schema(), attributes, SECRET_SEARCH_ALL,
                                                 call.step("looking up the store key"), &raw_error);
        ErrorPtr error(raw_error);
        status = error ? call.failed(error.get()) : KEYHOLD_SS_OK;
    }
    return status;
}

SecretItem* first_unlocked(const ItemList& found) {
    for (GList* each = found.items; each != nullptr; each = each->next) {
        auto* item = static_cast<SecretItem*>(each->data);
        if (!secret_item_get_locked(item)) {
            return item;
        }
    }
    return nullptr;
}

bool any_locked(const ItemList& found) {
    for (GList* each = found.items; each != nullptr; each = each->next) {
        if (secret_item_get_locked(static_cast<SecretItem*>(each->data))) {
            return true;
        }
    }
    return false;
}

// The unlocked item of (store_id, key_id); a status that says why there is none.
int find_unlocked(Call& call, SecretService* service, const char* store_id, const char* key_id, ItemList& found,
                  SecretItem*& item) {
    Table attributes(secret_attributes_build(store_key_schema(), "store", store_id, "key", key_id, nullptr));
    if (int status = search(call, service, attributes.get(), found); status != KEYHOLD_SS_OK) {
        return status;
    }
    item = first_unlocked(found);
    if (item == nullptr) {
        return found.items == nullptr ? call.fail(KEYHOLD_SS_NOT_FOUND, "no item")
                                      : call.fail(KEYHOLD_SS_LOCKED, "keyring holding keyhold's store key");
    }
    return KEYHOLD_SS_OK;
}

// Deletes `item`; one already gone (another process's re-key) is no failure.
int delete_item(Call& call, SecretItem* item) {
    GError* raw_error = nullptr;
    if (secret_item_delete_sync(item, call.step("removing a store key"), &raw_error)) {
        return KEYHOLD_SS_OK;
    }
    ErrorPtr error(raw_error);
    const int status = call.failed(error.get());
    return status == KEYHOLD_SS_NOT_FOUND ? KEYHOLD_SS_OK : status;
}

// Attribute values are D-Bus strings: UTF-8, which a directory name need not be.
int require_utf8(Call& call, const char* text, const char* what) {
    if (text != nullptr && !g_utf8_validate(text, -1, nullptr)) {
        return call.fail(KEYHOLD_SS_FAILED,
                         std::string(what) + " is not valid UTF-8, which the Secret Service cannot hold");
    }
    return KEYHOLD_SS_OK;
}

// ---- the worker process ----------------------------------------------------------------------

// Reads exactly `size` bytes before `deadline`; false on end of file, error or time out.
bool read_all(int fd, void* data, size_t size, Clock::time_point deadline, bool& timed_out) {
    auto* bytes = static_cast<char*>(data);
    while (size > 0) {
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            timed_out = true;
            return false;
        }
        pollfd ready{fd, POLLIN, 0};
        const int polled = ::poll(&ready, 1, static_cast<int>(std::min<long long>(left, 60'000)));
        if (polled < 0 && errno != EINTR) {
            return false;
        }
        if (polled <= 0) {
            continue;
        }
        const ssize_t got = ::read(fd, bytes, size);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (got <= 0) {
            return false;
        }
        bytes += got;
        size -= static_cast<size_t>(got);
    }
    return true;
}

struct Output {
    char* reason;
    size_t reason_size;
    char* secret = nullptr;  // a lookup's buffer
    size_t capacity = 0;
    size_t* secret_size = nullptr;
};

[[noreturn]] void run_child(int reply_fd, pid_t parent, milliseconds total, size_t capacity,
                            int (*work)(Call&, const void*), const void* arguments) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a parent gone (killed) takes its worker along
    if (::getppid() != parent) {
        ::_exit(0);
    }
    g_log_set_writer_func(keep_glib_message, nullptr, nullptr);
    int status = KEYHOLD_SS_FAILED;
    std::string reason;
    Value secret;
    {
        Call call(total, reply_fd);
        status = work(call, arguments);
        reason = std::move(call.reason);
        secret = std::move(call.secret);
    }
    if (status == KEYHOLD_SS_FAILED && !g_last_glib_message.empty()) {
        reason += " (" + g_last_glib_message + ")";
    }
    gsize secret_size = 0;
    const gchar* secret_bytes = status == KEYHOLD_SS_OK && secret ? secret_value_get(secret.get(), &secret_size) : "";
    if (secret_size > capacity) {
        status = KEYHOLD_SS_TOO_LARGE;
        reason = "the store key item is larger than expected";
        secret_size = 0;
    }
    (void)write_reply(reply_fd, status, reason, secret_bytes, secret_size);
    secret.reset();  // libsecret's secure memory, wiped when freed
    ::_exit(0);      // no atexit, no destructors: the parent's state is the parent's
}

// Runs `work` in a child process and returns its status, reason and (for a lookup) secret.
// `total` bounds the child's own steps; the parent waits a little longer, then kills it.
int in_worker(milliseconds total, const Output& out, int (*work)(Call&, const void*), const void* arguments) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        write_reason(out.reason, out.reason_size, std::string("cannot start its client: ") + std::strerror(errno));
        return KEYHOLD_SS_FAILED;
    }
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) {
        const int fork_error = errno;
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        write_reason(out.reason, out.reason_size, std::string("cannot start its client: ") + std::strerror(fork_error));
        return KEYHOLD_SS_FAILED;
    }
    if (child == 0) {
        ::close(pipe_fds[0]);
        run_child(pipe_fds[1], parent, total, out.capacity, work, arguments);
    }
    ::close(pipe_fds[1]);
    const Clock::time_point deadline = Clock::now() + total + kBackstop;
    Reply reply{};
    bool timed_out = false;
    std::string reason;
    bool complete = read_all(pipe_fds[0], &reply, sizeof reply, deadline, timed_out) && reply.reason_size <= 4096 &&
                    reply.secret_size <= out.capacity;
    if (complete) {
        reason.resize(reply.reason_size);
        complete =
            read_all(pipe_fds[0], reason.data(), reason.size(), deadline, timed_out) &&
            (reply.secret_size == 0 || read_all(pipe_fds[0], out.secret, reply.secret_size, deadline, timed_out));
    }
    ::close(pipe_fds[0]);
    if (!complete) {
        ::kill(child, SIGKILL);
    }
    int wait_status = 0;
    while (::waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
    }
    if (!complete) {
        if (out.secret != nullptr) {
            explicit_bzero(out.secret, out.capacity);
        }
        if (timed_out) {
            write_reason(out.reason, out.reason_size,
                         "it did not finish within " + std::to_string((total + kBackstop).count()) + " ms");
            return KEYHOLD_SS_UNAVAILABLE;
        }
        write_reason(out.reason, out.reason_size,
                     WIFSIGNALED(wait_status) ? "its client process ended without an answer (signal " +
                                                    std::to_string(WTERMSIG(wait_status)) + ")"
                                              : std::string("its client process ended without an answer"));
        return KEYHOLD_SS_FAILED;
    }
    write_reason(out.reason, out.reason_size, reason);
    if (out.secret_size != nullptr) {
        *out.secret_size = reply.secret_size;
    }
    return reply.status;
}

// What every entry point does first, in the caller's process: no bus, no child.
bool bus_missing(char* reason, size_t reason_size) {
    if (session_bus_configured()) {
        return false;
    }
    write_reason(reason, reason_size, "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)");
    return true;
}

// ---- the operations (each in its child) ---------------------------------------------------

int answers_in_child(Call& call, const void* /*arguments*/) {
    Object<SecretService> service;
    Object<SecretCollection> collection;
    if (int status = open_service(call, SECRET_SERVICE_NONE, service); status != KEYHOLD_SS_OK) {
        return status;
    }
    return default_collection(call, service.get(), collection);
}

int answers(char* reason, size_t reason_size) {
    if (bus_missing(reason, reason_size)) {
        return KEYHOLD_SS_UNAVAILABLE;
    }
    return in_worker(kOperationTime, {reason, reason_size}, answers_in_child, nullptr);
}

struct StoreArguments {
    const char* store_id;
    const char* key_id;
    const char* directory;
    const char* label;
    const char* secret;
    size_t secret_size;
};

int store_in_child(Call& call, const void* raw) {
    const auto& arguments = *static_cast<const StoreArguments*>(raw);
    for (const auto& [text, what] : {std::pair{arguments.store_id, "the store id"},
                                     {arguments.key_id, "the key id"},
                                     {arguments.directory, "the store directory's path"},
                                     {arguments.label, "the label"}}) {
        if (int status = require_utf8(call, text, what); status != KEYHOLD_SS_OK) {
            return status;
        }
    }
    Object<SecretService> service;
    Object<SecretCollection> collection;
    if (int status = open_service(call, SECRET_SERVICE_OPEN_SESSION, service); status != KEYHOLD_SS_OK) {
        return status;
    }
    if (int status = default_collection(call, service.get(), collection); status != KEYHOLD_SS_OK) {
        return status;
    }
    Table attributes(secret_attributes_build(store_key_schema(), "store", arguments.store_id, "key", arguments.key_id,
                                             "directory", arguments.directory, nullptr));
    Value value(secret_value_new(arguments.secret, static_cast<gssize>(arguments.secret_size), "text/plain"));
    GError* raw_error = nullptr;
    // REPLACE: the item of this key, if any, is updated in place.
    Object<SecretItem> item(secret_item_create_sync(collection.get(), store_key_schema(), attributes.get(),
                                                    arguments.label, value.get(), SECRET_ITEM_CREATE_REPLACE,
                                                    call.step("saving the store key"), &raw_error));
    ErrorPtr error(raw_error);
    if (!item) {
        const int status = call.failed(error.get());
        // A locked keyring answers CreateItem with a prompt: keyhold never runs one.
        return status == KEYHOLD_SS_LOCKED ? call.fail(KEYHOLD_SS_LOCKED, "default keyring") : status;
    }
    return KEYHOLD_SS_OK;
}

int store(const char* store_id, const char* key_id, const char* directory, const char* label, const char* secret,
          size_t secret_size, char* reason, size_t reason_size) {
    if (bus_missing(reason, reason_size)) {
        return KEYHOLD_SS_UNAVAILABLE;
    }
    const StoreArguments arguments{store_id, key_id, directory, label, secret, secret_size};
    return in_worker(kOperationTime, {reason, reason_size}, store_in_child, &arguments);
}

struct ItemArguments {
    const char* store_id;
    const char* key_id;
    const char* secret = nullptr;  // update's
    size_t secret_size = 0;
};

// SetSecret on the existing item only: a late copy of the generation must not bring back the
// item of a key that a re-key retired.
int update_in_child(Call& call, const void* raw) {
    const auto& arguments = *static_cast<const ItemArguments*>(raw);
    Object<SecretService> service;
    ItemList found;
    SecretItem* item = nullptr;
    if (int status = open_service(call, SECRET_SERVICE_OPEN_SESSION, service); status != KEYHOLD_SS_OK) {
        return status;
    }
    if (int status = find_unlocked(call, service.get(), arguments.store_id, arguments.key_id, found, item);
        status != KEYHOLD_SS_OK) {
        return status;
    }
    Value value(secret_value_new(arguments.secret, static_cast<gssize>(arguments.secret_size), "text/plain"));
    GError* raw_error = nullptr;
    if (!secret_item_set_secret_sync(item, value.get(), call.step("saving the store key's generation"), &raw_error)) {
        ErrorPtr error(raw_error);
        return call.failed(error.get());
    }
    return KEYHOLD_SS_OK;
}

int update(const char* store_id, const char* key_id, const char* secret, size_t secret_size, char* reason,
           size_t reason_size) {
    if (bus_missing(reason, reason_size)) {
        return KEYHOLD_SS_UNAVAILABLE;
    }
    const ItemArguments arguments{store_id, key_id, secret, secret_size};
    return in_worker(kOperationTime, {reason, reason_size}, update_in_child, &arguments);
}

int lookup_in_child(Call& call, const void* raw) {
    const auto& arguments = *static_cast<const ItemArguments*>(raw);
    Object<SecretService> service;
    ItemList found;
    SecretItem* item = nullptr;
    if (int status = open_service(call, SECRET_SERVICE_OPEN_SESSION, service); status != KEYHOLD_SS_OK) {
        return status;
    }
    if (int status = find_unlocked(call, service.get(), arguments.store_id, arguments.key_id, found, item);
        status != KEYHOLD_SS_OK) {
        return status;
    }
    GError* raw_error = nullptr;
    if (!secret_item_load_secret_sync(item, call.step("reading the store key"), &raw_error)) {
        ErrorPtr error(raw_error);
        return call.failed(error.get());
    }
    call.secret.reset(secret_item_get_secret(item));
    // It was unlocked when searched: without a secret now, it was deleted since (a re-key).
    return call.secret ? KEYHOLD_SS_OK : call.fail(KEYHOLD_SS_NOT_FOUND, "no item");
}

int lookup(const char* store_id, const char* key_id, char* secret, size_t capacity, size_t* secret_size, char* reason,
           size_t reason_size) {
    if (bus_missing(reason, reason_size)) {
        return KEYHOLD_SS_UNAVAILABLE;
    }
    const ItemArguments arguments{store_id, key_id};
    return in_worker(kOperationTime, {reason, reason_size, secret, capacity, secret_size}, lookup_in_child, &arguments);
}

int clear_in_child(Call& call, const void* raw) {
    const auto& arguments = *static_cast<const ItemArguments*>(raw);
    Object<SecretService> service;
    ItemList found;
    if (int status = open_service(call, SECRET_SERVICE_NONE, service); status != KEYHOLD_SS_OK) {
        return status;
    }
    Table attributes(
        secret_attributes_build(store_key_schema(), "store", arguments.store_id, "key", arguments.key_id, nullptr));
    if (int status = search(call, service.get(), attributes.get(), found); status != KEYHOLD_SS_OK) {
        return status;
    }
    for (GList* each = found.items; each != nullptr; each = each->next) {
        auto* item = static_cast<SecretItem*>(each->data);
        if (!secret_item_get_locked(item)) {
            if (int status = delete_item(call, item); status != KEYHOLD_SS_OK) {
                return status;
            }
        }
    }
    return any_locked(found) ? call.fail(KEYHOLD_SS_LOCKED, "keyring holding keyhold's store key") : KEYHOLD_SS_OK;
}

int clear(const char* store_id, const char* key_id, char* reason, size_t reason_size) {
    if (bus_missing(reason, reason_size)) {
        return KEYHOLD_SS_UNAVAILABLE;
    }
    const ItemArguments arguments{store_id, key_id};
    return in_worker(kOperationTime, {reason, reason_size}, clear_in_child, &arguments);
}

struct ClearOthersArguments {
    const char* store_id;
    const char* directory;
    const char* kept_key_id;
};

int clear_others_in_child(Call& call, const void* raw) {
    const auto& arguments = *static_cast<const ClearOthersArguments*>(raw);
    if (int status = require_utf8(call, arguments.directory, "the store directory's path"); status != KEYHOLD_SS_OK) {
        return status;
    }
    Object<SecretService> service;
    ItemList found;
    if (int status = open_service(call, SECRET_SERVICE_NONE, service); status != KEYHOLD_SS_OK) {
        return status;
    }
    Table attributes(secret_attributes_build(store_key_schema(), "store", arguments.store_id, "directory",
                                             arguments.directory, nullptr));
    if (int status = search(call, service.get(), attributes.get(), found); status != KEYHOLD_SS_OK) {
        return status;
    }
    for (GList* each = found.items; each != nullptr; each = each->next) {
        auto* item = static_cast<SecretItem*>(each->data);
        if (secret_item_get_locked(item)) {
            continue;
        }
        Table item_attributes(secret_item_get_attributes(item));
        const auto* key_id = static_cast<const char*>(g_hash_table_lookup(item_attributes.get(), "key"));
        if (std::strcmp(key_id != nullptr ? key_id : "", arguments.kept_key_id) == 0) {
            continue;
        }
        if (int status = delete_item(call, item); status != KEYHOLD_SS_OK) {
            return status;
        }
    }
    return any_locked(found) ? call.fail(KEYHOLD_SS_LOCKED, "keyring holding keyhold's store key") : KEYHOLD_SS_OK;
}

int clear_others(const char* store_id, const char* directory, const char* kept_key_id, char* reason,
                 size_t reason_size) {
    if (bus_missing(reason, reason_size)) {
        return KEYHOLD_SS_UNAVAILABLE;
    }
    const ClearOthersArguments arguments{store_id, directory, kept_key_id};
    return in_worker(kOperationTime, {reason, reason_size}, clear_others_in_child, &arguments);
}

struct UnlockWait {
    GMainLoop* loop;
    bool done = false;
    gint unlocked = 0;
    GError* error = nullptr;
};

void on_unlocked(GObject* source, GAsyncResult* result, gpointer data) {
    auto* wait = static_cast<UnlockWait*>(data);
    GList* unlocked = nullptr;
    wait->unlocked =
        secret_service_unlock_finish(reinterpret_cast<SecretService*>(source), result, &unlocked, &wait->error);
    g_list_free_full(unlocked, g_object_unref);
    wait->done = true;
    g_main_loop_quit(wait->loop);
}

gboolean on_unlock_deadline(gpointer loop) {
    g_main_loop_quit(static_cast<GMainLoop*>(loop));
    return G_SOURCE_REMOVE;
}

// The one call that may show a prompt: the keyring's own unlock dialog, through libsecret.
// At the deadline it stops waiting and leaves the dialog open, without Prompt.Dismiss:
// gnome-keyring 42 aborts on a Dismiss while its dialog is up ("perform_next_unlock:
// assertion failed: (!self->current)"), and that is what cancelling libsecret's call sends.
int unlock_in_child(Call& call, const void* raw) {
    const milliseconds wait = *static_cast<const milliseconds*>(raw);
    Object<SecretService> service;
    Object<SecretCollection> collection;
    if (int status = open_service(call, SECRET_SERVICE_NONE, service, SECRET_TYPE_SERVICE); status != KEYHOLD_SS_OK) {
        return status;
    }
    if (int status = default_collection(call, service.get(), collection); status != KEYHOLD_SS_LOCKED) {
        return status;  // unlocked already, or no keyring at all
    }
    GMainContext* context = g_main_context_new();
    g_main_context_push_thread_default(context);  // where the prompt's Completed signal is handled
    UnlockWait state{g_main_loop_new(context, FALSE)};
    call.step("waiting for the unlock prompt", wait + 2 * kCancelGrace);  // the loop's own timer ends it first
    GList objects{collection.get(), nullptr, nullptr};
    secret_service_unlock(service.get(), &objects, nullptr, on_unlocked, &state);
    GSource* timer = g_timeout_source_new(static_cast<guint>(wait.count()));
    g_source_set_callback(timer, on_unlock_deadline, state.loop, nullptr);
    g_source_attach(timer, context);
    g_main_loop_run(state.loop);
    g_source_destroy(timer);
    g_source_unref(timer);
    if (!state.done) {
        // The unlock is still under way: the child ends with it, and the service keeps the dialog.
        return call.fail(KEYHOLD_SS_LOCKED, "its unlock prompt was not answered within " +
                                                std::to_string(wait.count()) + " ms (it stays open to be answered)");
    }
    g_main_context_pop_thread_default(context);
    g_main_loop_unref(state.loop);
    g_main_context_unref(context);
    ErrorPtr error(state.error);
    if (error) {
        return call.failed(error.get());
    }
    return state.unlocked > 0 ? KEYHOLD_SS_OK
                              : call.fail(KEYHOLD_SS_LOCKED, "the unlock prompt was dismissed, or could not be shown");
}

int unlock(unsigned int timeout_ms, char* reason, size_t reason_size) {
    if (bus_missing(reason, reason_size)) {
        return KEYHOLD_SS_UNAVAILABLE;
    }
    const milliseconds wait{timeout_ms};
    return in_worker(kOperationTime + wait + 2 * kCancelGrace, {reason, reason_size}, unlock_in_child, &wait);
}

constexpr keyhold_secret_service_api kApi = {
    KEYHOLD_SECRET_SERVICE_ABI_VERSION, answers, store, update, lookup, clear, clear_others, unlock};

}  // namespace

extern "C" __attribute__((visibility("default"))) const keyhold_secret_service_api* keyhold_secret_service_api_v4() {
    return &kApi;
}
