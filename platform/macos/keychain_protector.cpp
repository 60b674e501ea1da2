// The macos-keychain protector: Security.framework's SecItem API on generic-password items
// (SecItemAdd, SecItemCopyMatching, SecItemUpdate, SecItemDelete). What an item holds is in
// keychain_item.hpp; the choices below are explained in docs/platforms.md ("macOS").
//
// Which keychain. By default the user's file-based keychain (login.keychain-db, or whatever
// `security default-keychain` names): the data protection keychain needs a keychain-access-groups
// entitlement, which only a program signed with a provisioning profile can carry, and a
// Homebrew or source build of a command-line tool has none (its calls fail with
// errSecMissingEntitlement). A build that is signed so can set KEYHOLD_MACOS_DATA_PROTECTION_KEYCHAIN.
//
// Who may read the item. The file-based keychain checks an access control list per item. Its
// default trusts only the program that made the item, by code signature: `keyhold init` would
// make an item that docker-credential-keyhold may not read without a dialog, and every new build
// (an ad-hoc signature changes with each) would ask again. The item's data is therefore readable
// by any program of the user while the keychain is unlocked, as `security add-generic-password -A`
// makes it and as the Secret Service does on Linux: a process of the user could run
// docker-credential-keyhold to the same effect, so a narrower list would protect no credential
// (docs/threat-model.md).
//
// Never a dialog unless asked for. A helper runs under docker or git, often with no one to
// answer: every query carries kSecUseAuthenticationUIFail, and the process turns the file-based
// keychain's own dialogs off (SecKeychainSetUserInteractionAllowed), so that a locked keychain
// or an item that would need confirming is an error in one line instead. KEYHOLD_KEYCHAIN_PROMPT=1
// lets one call ask (to unlock the keychain, or to allow a program once). Both switches are
// deprecated (macOS 11, 10.10) and still the only ones that reach the file-based keychain: the
// LocalAuthentication replacement does not stop its dialogs.

#include "keychain_protector.hpp"

#include <CoreFoundation/CoreFoundation.h>
#include <Security/Security.h>

#include <array>
#include <cstdlib>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keychain_item.hpp"
#include "keyhold/crypto/aead.hpp"
#include "keyhold/encoding/hex.hpp"
#include "keyhold/platform/process.hpp"

#ifndef KEYHOLD_MACOS_DATA_PROTECTION_KEYCHAIN
#define KEYHOLD_MACOS_DATA_PROTECTION_KEYCHAIN 0
#endif

// The deprecated switches above, and the file-based keychain's access API, compile without a
// warning only inside these.
#define KEYHOLD_DEPRECATED_API_BEGIN \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wdeprecated-declarations\"")
#define KEYHOLD_DEPRECATED_API_END _Pragma("GCC diagnostic pop")

namespace keyhold::platform {
namespace {

using keychain::kKeyIdBytes;

// OSStatus values that SecBase.h of older SDKs may not name.
constexpr OSStatus kInDarkWake = -25320;          // errSecInDarkWake
constexpr OSStatus kMissingEntitlement = -34018;  // errSecMissingEntitlement

// Owns one Core Foundation reference (the Create and Copy rule) and releases it once.
template <typename Ref>
class CfOwned {
public:
    CfOwned() = default;
    explicit CfOwned(Ref ref) : ref_(ref) {}
    CfOwned(CfOwned&& other) noexcept : ref_(std::exchange(other.ref_, nullptr)) {}
    CfOwned& operator=(CfOwned&& other) noexcept {
        if (this != &other) {
            reset();
            ref_ = std::exchange(other.ref_, nullptr);
        }
        return *this;
    }
    CfOwned(const CfOwned&) = delete;
    CfOwned& operator=(const CfOwned&) = delete;
    ~CfOwned() { reset(); }

    Ref get() const { return ref_; }
    explicit operator bool() const { return ref_ != nullptr; }
    // Where a Copy function writes the reference it returns.
    Ref* out() {
        reset();
        return &ref_;
    }

private:
    void reset() {
        if (ref_ != nullptr) {
            CFRelease(ref_);
            ref_ = nullptr;
        }
    }
    Ref ref_ = nullptr;
};

// Core Foundation answers an allocation failure with NULL; keyhold's secure memory throws.
template <typename Ref>
CfOwned<Ref> created(Ref ref) {
    if (ref == nullptr) {
        throw std::bad_alloc();
    }
    return CfOwned<Ref>(ref);
}

CfOwned<CFStringRef> cf_string(std::string_view text) {
    return created(CFStringCreateWithBytes(kCFAllocatorDefault, reinterpret_cast<const UInt8*>(text.data()),
                                           static_cast<CFIndex>(text.size()), kCFStringEncodingUTF8, false));
}

CfOwned<CFDataRef> cf_data(std::string_view bytes) {
    return created(CFDataCreate(kCFAllocatorDefault, reinterpret_cast<const UInt8*>(bytes.data()),
                                static_cast<CFIndex>(bytes.size())));
}

// A CFData over `secret`'s own secure memory, not a copy in Core Foundation's heap (which
// nothing would wipe). It must not outlive `secret`. Security.framework still copies the bytes
// into its message to the keychain daemon: that copy is the framework's (docs/platforms.md).
CfOwned<CFDataRef> cf_data_over(const crypto::SecureBuffer& secret) {
    return created(CFDataCreateWithBytesNoCopy(kCFAllocatorDefault, secret.data(), static_cast<CFIndex>(secret.size()),
                                               kCFAllocatorNull));
}

std::string to_string(CFStringRef text) {
    if (text == nullptr) {
        return {};
    }
    if (const char* fast = CFStringGetCStringPtr(text, kCFStringEncodingUTF8)) {
        return fast;
    }
    const CFIndex capacity =
        CFStringGetMaximumSizeForEncoding(CFStringGetLength(text), kCFStringEncodingUTF8) + 1;
    std::vector<char> buffer(static_cast<std::size_t>(capacity));
    if (!CFStringGetCString(text, buffer.data(), capacity, kCFStringEncodingUTF8)) {
        return {};
    }
    return buffer.data();
}

CfOwned<CFMutableDictionaryRef> new_dictionary() {
    return created(CFDictionaryCreateMutable(kCFAllocatorDefault, 0, &kCFTypeDictionaryKeyCallBacks,
                                             &kCFTypeDictionaryValueCallBacks));
}

bool prompts_allowed() {
    const char* value = std::getenv("KEYHOLD_KEYCHAIN_PROMPT");
    return value != nullptr && std::string_view(value) == "1";
}

// The file-based keychain's own dialogs (unlock the keychain, allow a program) for this process:
// off unless KEYHOLD_KEYCHAIN_PROMPT=1. Set once, before the first keychain call.
void set_keychain_dialogs() {
    static std::once_flag once;
    std::call_once(once, [] {
        KEYHOLD_DEPRECATED_API_BEGIN
        (void)SecKeychainSetUserInteractionAllowed(prompts_allowed() ? TRUE : FALSE);
        KEYHOLD_DEPRECATED_API_END
    });
}

enum class Use { search, add };

// The attributes that name keyhold's items (and the keychain they live in), with the account
// of one item when `account` is given. SecItemAdd takes no kSecUseAuthenticationUI: the
// process-wide switch keeps it silent.
CfOwned<CFMutableDictionaryRef> item_query(const std::string* account, Use use = Use::search) {
    set_keychain_dialogs();
    auto query = new_dictionary();
    CFDictionarySetValue(query.get(), kSecClass, kSecClassGenericPassword);
    const auto service = cf_string(keychain::kKeychainService);
    CFDictionarySetValue(query.get(), kSecAttrService, service.get());
    if (account != nullptr) {
        const auto name = cf_string(*account);
        CFDictionarySetValue(query.get(), kSecAttrAccount, name.get());
    }
#if KEYHOLD_MACOS_DATA_PROTECTION_KEYCHAIN
    CFDictionarySetValue(query.get(), kSecUseDataProtectionKeychain, kCFBooleanTrue);
#endif
    if (use == Use::search && !prompts_allowed()) {
        // An item that would need a dialog fails with errSecInteractionNotAllowed instead.
        KEYHOLD_DEPRECATED_API_BEGIN
        CFDictionarySetValue(query.get(), kSecUseAuthenticationUI, kSecUseAuthenticationUIFail);
        KEYHOLD_DEPRECATED_API_END
    }
    return query;
}

std::string this_program() {
    if (auto self = current_executable()) {
        return self->filename().string();
    }
    return "this program";
}

std::string status_text(OSStatus status) {
    CfOwned<CFStringRef> text(SecCopyErrorMessageString(status, nullptr));
    std::string message = to_string(text.get());
    return (message.empty() ? std::string("an error") : message) + " (OSStatus " + std::to_string(status) + ")";
}

// One line for the user: what the keychain said while keyhold was `doing` something, and what
// to do about it.
Error keychain_error(OSStatus status, std::string_view doing, const StoreIdentity& store) {
    switch (status) {
        case errSecItemNotFound:
            return Error{"the macOS keychain holds no key for the keyhold store in " + store.directory.string() +
                         " (store " + store.store_id +
                         "): the keychain item was deleted, or the store was copied from another account or Mac"};
        case errSecInteractionNotAllowed:
        case errSecAuthFailed:
            // A locked keychain, or (file-based keychain) a program the item does not trust yet.
            return Error{"the macOS keychain would have to ask before " + this_program() + " may use keyhold's store key " +
                         "(the keychain is locked, or it does not trust this build yet) and keyhold does not let it " +
                         "ask: unlock the keychain (`security unlock-keychain`), or run the same command once in a " +
                         "terminal with KEYHOLD_KEYCHAIN_PROMPT=1 and allow it"};
        case kInDarkWake:
            return Error{"the macOS keychain cannot be read while the Mac is in a dark wake; try again once it is awake"};
        case errSecNoDefaultKeychain:
        case errSecNotAvailable:
            return Error{"no macOS keychain is available to this session (" + status_text(status) +
                         "): log in to the desktop, or name one with `security default-keychain -s`; or use " +
                         "`keyhold init --backend passphrase`"};
        case errSecUserCanceled:
            return Error{"the macOS keychain's dialog was cancelled while " + std::string(doing)};
        case kMissingEntitlement:
            return Error{"this keyhold uses the data protection keychain but is not signed with a keychain-access-groups "
                         "entitlement (" + status_text(status) + "); build it without "
                         "KEYHOLD_MACOS_DATA_PROTECTION_KEYCHAIN, or use `keyhold init --backend passphrase`"};
        default:
            return Error{"the macOS keychain failed while " + std::string(doing) + ": " + status_text(status)};
    }
}

Error damaged_item(const StoreIdentity& store) {
    return Error{"the macOS keychain item holding keyhold's store key for " + store.directory.string() +
                 " is damaged (service \"" + std::string(keychain::kKeychainService) + "\")"};
}

#if !KEYHOLD_MACOS_DATA_PROTECTION_KEYCHAIN
// The file-based keychain's access for a new item: its data readable, and the item changed and
// deleted, by any program of the user while the keychain is unlocked; its access list itself
// changed only by keyhold (the owner entry keeps SecAccessCreate's default). As the `security`
// tool makes it for `add-generic-password -A`.
Result<CfOwned<SecAccessRef>> access_for_the_users_programs(const StoreIdentity& store) {
    KEYHOLD_DEPRECATED_API_BEGIN
    const auto description = cf_string("keyhold store key");
    CfOwned<SecAccessRef> access;
    if (const OSStatus status = SecAccessCreate(description.get(), nullptr, access.out()); status != errSecSuccess) {
        return std::unexpected(keychain_error(status, "preparing a store key's access list", store));
    }
    CfOwned<CFArrayRef> entries;
    if (const OSStatus status = SecAccessCopyACLList(access.get(), entries.out()); status != errSecSuccess || !entries) {
        return std::unexpected(keychain_error(status, "reading a store key's access list", store));
    }
    for (CFIndex index = 0; index < CFArrayGetCount(entries.get()); ++index) {
        auto* entry = static_cast<SecACLRef>(const_cast<void*>(CFArrayGetValueAtIndex(entries.get(), index)));
        CfOwned<CFArrayRef> authorizations(SecACLCopyAuthorizations(entry));
        if (authorizations &&
            CFArrayContainsValue(authorizations.get(), CFRangeMake(0, CFArrayGetCount(authorizations.get())),
                                 kSecACLAuthorizationChangeACL)) {
            continue;  // the owner entry
        }
        CfOwned<CFArrayRef> programs;
        CfOwned<CFStringRef> prompt;
        SecKeychainPromptSelector selector = 0;
        if (const OSStatus status = SecACLCopyContents(entry, programs.out(), prompt.out(), &selector);
            status != errSecSuccess) {
            return std::unexpected(keychain_error(status, "reading a store key's access list", store));
        }
        // No program list: any program, without a dialog.
        if (const OSStatus status =
                SecACLSetContents(entry, nullptr, prompt ? prompt.get() : description.get(), selector);
            status != errSecSuccess) {
            return std::unexpected(keychain_error(status, "preparing a store key's access list", store));
        }
    }
    return access;
    KEYHOLD_DEPRECATED_API_END
}

#endif

std::string item_label(const StoreIdentity& store) { return "keyhold store key (" + store.directory.string() + ")"; }

Result<void> update_item(const StoreIdentity& store, const std::string& account, const crypto::SecureBuffer& text) {
    const auto query = item_query(&account);
    const auto value = cf_data_over(text);
    auto changes = new_dictionary();
    CFDictionarySetValue(changes.get(), kSecValueData, value.get());
    if (const OSStatus status = SecItemUpdate(query.get(), changes.get()); status != errSecSuccess) {
        return std::unexpected(keychain_error(status, "updating keyhold's store key", store));
    }
    return {};
}

// A new item for the store's key `key_id`, made for this directory.
Result<void> add_item(const StoreIdentity& store, const std::string& key_id, const crypto::SecureBuffer& data_key,
                      std::uint64_t generation) {
    const std::string account = keychain::account_name(store.store_id, key_id);
    const std::string copy_id = store.copy_id();
    const crypto::SecureBuffer text = keychain::encode_item_secret(data_key, generation, copy_id);
    auto attributes = item_query(&account, Use::add);
    const auto label = cf_string(item_label(store));
    const auto kind = cf_string("keyhold data key");
    const auto made_for = cf_data(copy_id);
    const auto value = cf_data_over(text);
    CFDictionarySetValue(attributes.get(), kSecAttrLabel, label.get());
    CFDictionarySetValue(attributes.get(), kSecAttrDescription, kind.get());
    CFDictionarySetValue(attributes.get(), kSecAttrGeneric, made_for.get());
    CFDictionarySetValue(attributes.get(), kSecValueData, value.get());
    // Readable after the first unlock since boot (a helper in a background job) and never copied
    // to another device (no iCloud Keychain, no backup restore elsewhere). The data protection
    // keychain enforces it; the file-based keychain has no such classes and ignores it.
    CFDictionarySetValue(attributes.get(), kSecAttrAccessible, kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly);
#if !KEYHOLD_MACOS_DATA_PROTECTION_KEYCHAIN
    auto access = access_for_the_users_programs(store);
    if (!access) {
        return std::unexpected(access.error());
    }
    KEYHOLD_DEPRECATED_API_BEGIN
    CFDictionarySetValue(attributes.get(), kSecAttrAccess, access->get());
    KEYHOLD_DEPRECATED_API_END
#endif
    const OSStatus status = SecItemAdd(attributes.get(), nullptr);
    if (status == errSecDuplicateItem) {
        return update_item(store, account, text);  // a random key id seen before: the same item
    }
    if (status != errSecSuccess) {
        return std::unexpected(keychain_error(status, "saving a new store key", store));
    }
    return {};
}

Result<std::string> key_id_from(const StoreIdentity& store, std::span<const unsigned char> params) {
    if (params.size() != kKeyIdBytes) {
        return fail("the macos-keychain parameters in the header of the keyhold store in " + store.directory.string() +
                    " are damaged");
    }
    return encoding::to_hex(params);
}

Result<keychain::ItemSecret> read_item(const StoreIdentity& store, const std::string& key_id) {
    const std::string account = keychain::account_name(store.store_id, key_id);
    const auto query = item_query(&account);
    CFDictionarySetValue(query.get(), kSecReturnData, kCFBooleanTrue);
    CFDictionarySetValue(query.get(), kSecMatchLimit, kSecMatchLimitOne);
    CfOwned<CFTypeRef> found;
    if (const OSStatus status = SecItemCopyMatching(query.get(), found.out()); status != errSecSuccess) {
        return std::unexpected(keychain_error(status, "reading keyhold's store key", store));
    }
    if (!found || CFGetTypeID(found.get()) != CFDataGetTypeID()) {
        return std::unexpected(damaged_item(store));
    }
    const auto data = static_cast<CFDataRef>(found.get());
    const CFIndex length = CFDataGetLength(data);
    if (length < 0 || static_cast<std::size_t>(length) > keychain::kMaxItemSecretBytes) {
        return std::unexpected(damaged_item(store));
    }
    // Into secure memory at once. The CFData itself is immutable (and may be the framework's
    // shared buffer): keyhold does not write into it, and Core Foundation frees it unwiped.
    const crypto::SecureBuffer text =
        crypto::SecureBuffer::copy_of(std::span<const unsigned char>(CFDataGetBytePtr(data), static_cast<std::size_t>(length)));
    found = CfOwned<CFTypeRef>();
    auto decoded = keychain::decode_item_secret(text.text());
    if (!decoded) {
        return std::unexpected(damaged_item(store));
    }
    return std::move(*decoded);
}

// Deletes the item of `account`; nothing to delete is no error.
Result<void> delete_item(const StoreIdentity& store, const std::string& account) {
    const auto query = item_query(&account);
    // The file-based keychain deletes one match per call: a second item of the same account
    // (another keychain in the search list) goes on the next round.
    for (int round = 0; round < 8; ++round) {
        const OSStatus status = SecItemDelete(query.get());
        if (status == errSecItemNotFound) {
            return {};
        }
        if (status != errSecSuccess) {
            return std::unexpected(keychain_error(status, "deleting an old store key", store));
        }
    }
    return {};
}

class KeychainProtector final : public KeyProtector {
public:
    std::string_view name() const override { return "macos-keychain"; }

    Result<std::vector<unsigned char>> protect(const StoreIdentity& store, const crypto::SecureBuffer& data_key,
                                               std::uint64_t generation, NewKeyFor /*purpose*/) override {
        std::vector<unsigned char> params(kKeyIdBytes);
        crypto::fill_random(params);
        if (auto added = add_item(store, encoding::to_hex(params), data_key, generation); !added) {
            return std::unexpected(added.error());
        }
        return params;
    }

    Result<UnprotectedKey> unprotect(const StoreIdentity& store, std::span<const unsigned char> params) override {
        auto key_id = key_id_from(store, params);
        if (!key_id) {
            return std::unexpected(key_id.error());
        }
        auto item = read_item(store, *key_id);
        if (!item) {
            return std::unexpected(item.error());
        }
        UnprotectedKey key{std::move(item->data_key), std::nullopt};
        // The floor is the directory's the item was made for; a copy elsewhere has its own history.
        if (item->copy_id == store.copy_id()) {
            key.newest_generation = item->newest_generation;
        }
        return key;
    }

    bool records_generations() const override { return true; }

    Result<void> record_generation(const StoreIdentity& store, std::span<const unsigned char> params,
                                   const crypto::SecureBuffer& data_key, std::uint64_t generation) override {
        auto key_id = key_id_from(store, params);
        if (!key_id) {
            return std::unexpected(key_id.error());
        }
        // The item keeps the history of the directory it was made for; a copy elsewhere that
        // writes must not replace it (that copy gets an item of its own at its next re-key).
        if (auto current = read_item(store, *key_id); current && current->copy_id != store.copy_id()) {
            return {};
        }
        // An update, never an add: what forget() deleted stays deleted.
        return update_item(store, keychain::account_name(store.store_id, *key_id),
                           keychain::encode_item_secret(data_key, generation, store.copy_id()));
    }

    Result<void> forget(const StoreIdentity& store, std::span<const unsigned char> params) override {
        auto key_id = key_id_from(store, params);
        if (!key_id) {
            return std::unexpected(key_id.error());
        }
        return delete_item(store, keychain::account_name(store.store_id, *key_id));
    }

    Result<void> forget_all_but(const StoreIdentity& store, std::span<const unsigned char> current) override {
        // Parameters of another protector name no item here: every item goes. Only items made for
        // this directory: a copy of the store elsewhere (same store id) keeps its keys.
        const std::string kept = current.size() == kKeyIdBytes ? encoding::to_hex(current) : std::string();
        const auto query = item_query(nullptr);
        CFDictionarySetValue(query.get(), kSecReturnAttributes, kCFBooleanTrue);
        CFDictionarySetValue(query.get(), kSecMatchLimit, kSecMatchLimitAll);
        CfOwned<CFTypeRef> found;
        const OSStatus status = SecItemCopyMatching(query.get(), found.out());
        if (status == errSecItemNotFound) {
            return {};
        }
        if (status != errSecSuccess) {
            return std::unexpected(keychain_error(status, "listing old store keys", store));
        }
        if (!found || CFGetTypeID(found.get()) != CFArrayGetTypeID()) {
            return {};
        }
        const std::string copy_id = store.copy_id();
        std::vector<std::string> doomed;
        const auto items = static_cast<CFArrayRef>(found.get());
        for (CFIndex index = 0; index < CFArrayGetCount(items); ++index) {
            const void* item = CFArrayGetValueAtIndex(items, index);
            if (item == nullptr || CFGetTypeID(item) != CFDictionaryGetTypeID()) {
                continue;
            }
            const auto attributes = static_cast<CFDictionaryRef>(item);
            const void* account = CFDictionaryGetValue(attributes, kSecAttrAccount);
            const void* made_for = CFDictionaryGetValue(attributes, kSecAttrGeneric);
            if (account == nullptr || CFGetTypeID(account) != CFStringGetTypeID() || made_for == nullptr ||
                CFGetTypeID(made_for) != CFDataGetTypeID()) {
                continue;
            }
            const std::string name = to_string(static_cast<CFStringRef>(account));
            const auto generic = static_cast<CFDataRef>(made_for);
            const std::string_view directory_of_item(reinterpret_cast<const char*>(CFDataGetBytePtr(generic)),
                                                     static_cast<std::size_t>(CFDataGetLength(generic)));
            const auto key_id = keychain::key_id_of(name, store.store_id);
            if (key_id && *key_id != kept && directory_of_item == copy_id) {
                doomed.push_back(name);
            }
        }
        for (const std::string& account : doomed) {
            if (auto deleted = delete_item(store, account); !deleted) {
                return deleted;
            }
        }
        return {};
    }
};

}  // namespace

std::unique_ptr<KeyProtector> make_keychain_protector() { return std::make_unique<KeychainProtector>(); }

Result<void> keychain_answers() {
    const auto query = item_query(nullptr);
    CFDictionarySetValue(query.get(), kSecReturnAttributes, kCFBooleanTrue);
    CFDictionarySetValue(query.get(), kSecMatchLimit, kSecMatchLimitOne);
    CfOwned<CFTypeRef> found;
    const OSStatus status = SecItemCopyMatching(query.get(), found.out());
    if (status != errSecSuccess && status != errSecItemNotFound) {
        return std::unexpected(keychain_error(status, "looking for keyhold's items", StoreIdentity{}));
    }
    return {};
}

}  // namespace keyhold::platform
