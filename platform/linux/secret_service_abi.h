/* The C interface between keyhold and its Secret Service module (keyhold-secret-service.so).
 *
 * The module is a libsecret client: libsecret brings GLib, GIO, GObject and libgcrypt, which
 * cost a credential helper milliseconds to load on every call. They live in a module that
 * keyhold loads only when the store's key must come from the Secret Service (a key-cache
 * miss). The interface is plain C so that the module and the executable share nothing but
 * these types.
 */
#ifndef KEYHOLD_SECRET_SERVICE_ABI_H
#define KEYHOLD_SECRET_SERVICE_ABI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KEYHOLD_SECRET_SERVICE_ABI_VERSION 4
#define KEYHOLD_SECRET_SERVICE_ENTRY "keyhold_secret_service_api_v4"

enum keyhold_secret_service_status {
    KEYHOLD_SS_OK = 0,
    KEYHOLD_SS_UNAVAILABLE = 1, /* no bus, no service, no default keyring, or it did not answer */
    KEYHOLD_SS_LOCKED = 2,      /* the keyring holding (or to hold) the item is locked */
    KEYHOLD_SS_NOT_FOUND = 3,   /* no item for this store */
    KEYHOLD_SS_FAILED = 4,      /* the service answered with an error */
    KEYHOLD_SS_TOO_LARGE = 5,   /* the item's secret does not fit the caller's buffer */
    KEYHOLD_SS_BUSY = 6         /* the service turned the call away for now: worth one more try */
};

/* An item is one data key of one store: its attributes name the store, the key and the
 * directory it was made for, so that a re-key can save the new key beside the old one, delete
 * the old one only once the store file uses the new one, and never touch the keys of a copy
 * of the store (same store id) in another directory.
 *
 * No function but unlock() ever shows a prompt: a locked keyring is KEYHOLD_SS_LOCKED. Each
 * ends within a few seconds whatever the service does (KEYHOLD_SS_UNAVAILABLE, "it did not
 * answer within 800 ms while ...").
 *
 * Every function writes why into `reason` (NUL-terminated, never a secret) when it fails. */
struct keyhold_secret_service_api {
    int abi_version;
    int (*answers)(char* reason, size_t reason_size);
    /* Creates the item of (store_id, key_id) for `directory`, or replaces its secret. */
    int (*store)(const char* store_id, const char* key_id, const char* directory, const char* label, const char* secret,
                 size_t secret_size, char* reason, size_t reason_size);
    /* Replaces the secret of an existing item; KEYHOLD_SS_NOT_FOUND, and nothing created, if there is none. */
    int (*update)(const char* store_id, const char* key_id, const char* secret, size_t secret_size, char* reason,
                  size_t reason_size);
    int (*lookup)(const char* store_id, const char* key_id, char* secret, size_t capacity, size_t* secret_size,
                  char* reason, size_t reason_size);
    /* Deletes the item of (store_id, key_id). */
    int (*clear)(const char* store_id, const char* key_id, char* reason, size_t reason_size);
    /* Deletes every item of store_id made for `directory` but the one of kept_key_id (which may
     * name none). */
    int (*clear_others)(const char* store_id, const char* directory, const char* kept_key_id, char* reason,
                        size_t reason_size);
    /* Has the service unlock the default keyring, which may show its own unlock prompt (the
     * one call that may ask a person: `keyhold unlock`); waits up to timeout_ms for it.
     * KEYHOLD_SS_OK if it is unlocked (or was), KEYHOLD_SS_LOCKED if the prompt was dismissed. */
    int (*unlock)(unsigned int timeout_ms, char* reason, size_t reason_size);
};

typedef const struct keyhold_secret_service_api* (*keyhold_secret_service_entry)(void);

#ifdef __cplusplus
}
#endif

#endif
