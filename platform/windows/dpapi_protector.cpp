// The windows-dpapi protector: the store's data key encrypted by DPAPI (CryptProtectData) for
// the current user, in a file beside the store. Windows derives the protecting key from the
// user's logon credentials: another user, or the same file on another machine, cannot
// unprotect it, and no prompt is ever shown (CRYPTPROTECT_UI_FORBIDDEN). The store id is the
// "optional entropy", so a key file copied beside another store does not open there.

#include "win32.hpp"  // windows.h, before the other Windows headers

#include <sodium.h>
#include <wincrypt.h>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/encoding/hex.hpp"
#include "keyhold/platform/files.hpp"
#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {
namespace {

// The header's parameters: the random id of the key's file, so that a re-key's new key file
// and the old one are told apart until the store file uses the new one.
constexpr std::size_t kKeyIdBytes = 16;
constexpr std::size_t kMaxBlobBytes = 64 * 1024;
constexpr std::string_view kKeyFilePrefix = "key-";
constexpr std::string_view kKeyFileSuffix = ".dpapi";

std::filesystem::path key_file(const StoreIdentity& store, std::string_view key_id) {
    return store.directory / (std::string(kKeyFilePrefix) + std::string(key_id) + std::string(kKeyFileSuffix));
}

std::string text_of(const std::filesystem::path& path) { return win32::narrow(path.native()); }

DATA_BLOB entropy_of(const StoreIdentity& store) {
    return DATA_BLOB{static_cast<DWORD>(store.store_id.size()),
                     reinterpret_cast<BYTE*>(const_cast<char*>(store.store_id.data()))};
}

Result<std::string> key_id_of(const StoreIdentity& store, std::span<const unsigned char> params) {
    if (params.size() != kKeyIdBytes) {
        return fail("the windows-dpapi parameters in the header of the keyhold store in " + text_of(store.directory) +
                    " are damaged");
    }
    return encoding::to_hex(params);
}

class DpapiProtector final : public KeyProtector {
public:
    std::string_view name() const override { return "windows-dpapi"; }

    Result<std::vector<unsigned char>> protect(const StoreIdentity& store, const crypto::SecureBuffer& data_key,
                                               std::uint64_t, NewKeyFor) override {
        std::vector<unsigned char> params(kKeyIdBytes);
        crypto::fill_random(params);
        DATA_BLOB plain{static_cast<DWORD>(data_key.size()), const_cast<BYTE*>(data_key.data())};
        DATA_BLOB entropy = entropy_of(store);
        DATA_BLOB sealed{};
        if (!::CryptProtectData(&plain, L"keyhold store key", &entropy, nullptr, nullptr, CRYPTPROTECT_UI_FORBIDDEN,
                                &sealed)) {
            return std::unexpected(win32::last_error("protect the store key of", text_of(store.directory) + " with DPAPI"));
        }
        const std::vector<unsigned char> blob(sealed.pbData, sealed.pbData + sealed.cbData);
        ::LocalFree(sealed.pbData);
        if (auto written = replace_file_atomically(key_file(store, encoding::to_hex(params)), blob); !written) {
            return std::unexpected(written.error());
        }
        return params;
    }

    Result<UnprotectedKey> unprotect(const StoreIdentity& store, std::span<const unsigned char> params) override {
        auto key_id = key_id_of(store, params);
        if (!key_id) {
            return std::unexpected(key_id.error());
        }
        const std::filesystem::path file = key_file(store, *key_id);
        auto blob = read_private_file(file, kMaxBlobBytes);
        if (!blob) {
            return std::unexpected(blob.error());
        }
        if (!*blob) {
            return fail("the DPAPI-protected key of the keyhold store in " + text_of(store.directory) + " (" +
                        text_of(file.filename()) + ") is missing: it was deleted, or the store was copied without it");
        }
        DATA_BLOB sealed{static_cast<DWORD>((*blob)->size()), (*blob)->data()};
        DATA_BLOB entropy = entropy_of(store);
        DATA_BLOB plain{};
        if (!::CryptUnprotectData(&sealed, nullptr, &entropy, nullptr, nullptr, CRYPTPROTECT_UI_FORBIDDEN, &plain)) {
            return fail("Windows cannot unprotect the key of the keyhold store in " + text_of(store.directory) + ": " +
                        win32::message_for(::GetLastError()) +
                        " (a DPAPI key opens only for the user, on the machine, that made it)");
        }
        crypto::SecureBuffer data_key(plain.cbData);
        std::copy(plain.pbData, plain.pbData + plain.cbData, data_key.data());
        sodium_memzero(plain.pbData, plain.cbData);
        ::LocalFree(plain.pbData);
        if (data_key.size() != crypto::kKeyBytes) {
            return fail("the DPAPI-protected key of the keyhold store in " + text_of(store.directory) + " is damaged");
        }
        return UnprotectedKey{std::move(data_key), std::nullopt};
    }

    // The key file sits beside the store: whoever can roll the store back can roll it back too,
    // so a generation kept in it would prove nothing.
    bool records_generations() const override { return false; }

    Result<void> record_generation(const StoreIdentity&, std::span<const unsigned char>, const crypto::SecureBuffer&,
                                   std::uint64_t) override {
        return {};
    }

    Result<void> forget(const StoreIdentity& store, std::span<const unsigned char> params) override {
        auto key_id = key_id_of(store, params);
        if (!key_id) {
            return std::unexpected(key_id.error());
        }
        const std::filesystem::path file = key_file(store, *key_id);
        if (!::DeleteFileW(file.c_str()) && ::GetLastError() != ERROR_FILE_NOT_FOUND) {
            return std::unexpected(win32::last_error("delete", text_of(file)));
        }
        return {};
    }

    Result<void> forget_all_but(const StoreIdentity& store, std::span<const unsigned char> current) override {
        const std::string kept = current.size() == kKeyIdBytes ? key_file(store, encoding::to_hex(current)).filename().string()
                                                               : std::string();
        std::error_code error;
        std::string left;
        std::filesystem::directory_iterator listing(store.directory, error);
        if (error) {
            return fail("cannot list " + text_of(store.directory) + " to delete its old DPAPI key files: " +
                        error.message());
        }
        for (const auto& item : listing) {
            const std::string name = item.path().filename().string();
            if (name.starts_with(kKeyFilePrefix) && name.ends_with(kKeyFileSuffix) && name != kept &&
                !::DeleteFileW(item.path().c_str())) {
                left += (left.empty() ? "" : ", ") + name;
            }
        }
        if (!left.empty()) {
            return fail("cannot delete the old DPAPI key files " + left + " in " + text_of(store.directory));
        }
        return {};
    }
};

}  // namespace

std::unique_ptr<KeyProtector> make_dpapi_protector() { return std::make_unique<DpapiProtector>(); }

}  // namespace keyhold::platform
