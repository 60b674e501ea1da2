#include "secret_service_protector.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <thread>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/encoding/hex.hpp"
#include "keyhold_module.hpp"
#include "secret_service_abi.h"

namespace keyhold::platform {
namespace {

constexpr std::size_t kReasonBytes = 512;
constexpr std::size_t kMaxItemSecretBytes = 256;
// The header's parameters: the random id of the key's item, so that a re-key's new item and
// the old one are told apart.
constexpr std::size_t kKeyIdBytes = 16;

using Api = keyhold_secret_service_api;

// Runs one module call, again on KEYHOLD_SS_BUSY (each call opens its own connection), a
// few times with a short pause: every call is idempotent.
template <typename Call>
int with_retries(Call&& call) {
    constexpr int kAttempts = 4;
    int status = call();
    for (int attempt = 1; status == KEYHOLD_SS_BUSY && attempt < kAttempts; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
        status = call();
    }
    return status;
}

// The libsecret client costs every process that maps it: loaded only here (keyhold_module.hpp).
constexpr KeyholdModule kModule = {"keyhold-secret-service.so", KEYHOLD_SECRET_SERVICE_ENTRY,
                                   "the Secret Service module", "keyhold-secret-service"};

Result<const Api*> module() {
    static const Result<const Api*> loaded = load_keyhold_module<Api>(kModule, KEYHOLD_SECRET_SERVICE_ABI_VERSION);
    return loaded;
}

Error unavailable(std::string_view why) {
    return Error{"the Secret Service is not available: " + std::string(why) +
                 "; start your desktop keyring, or use `keyhold init --backend passphrase`"};
}

// The module's status and reason as one user-facing sentence.
Error module_error(int status, const char* reason, const StoreIdentity& store) {
    switch (status) {
        case KEYHOLD_SS_UNAVAILABLE:
            return unavailable(reason);
        case KEYHOLD_SS_LOCKED:
            return Error{"the Secret Service " + std::string(reason) +
                         " is locked: run `keyhold unlock` (or unlock it in your desktop session) and try again"};
        case KEYHOLD_SS_NOT_FOUND:
            return Error{"the Secret Service holds no key for the keyhold store in " + store.directory.string() +
                         " (store " + store.store_id +
                         "): the keyring entry was deleted, or the store was copied from another account or machine"};
        default:
            return Error{"the Secret Service failed while " + std::string(reason)};
    }
}

// "<base64 data key> <generation> <copy id>", so that one lookup answers all: the generation is
// the newest written in the store directory the copy id names (StoreIdentity::copy_id()).
crypto::SecureBuffer encode_item_secret(const crypto::SecureBuffer& data_key, std::uint64_t generation,
                                        const StoreIdentity& store) {
    const std::size_t base64_size =
        sodium_base64_ENCODED_LEN(data_key.size(), sodium_base64_VARIANT_ORIGINAL);  // includes the NUL
    const std::string rest = std::to_string(generation) + " " + store.copy_id();
    crypto::SecureBuffer text(base64_size + rest.size());
    sodium_bin2base64(reinterpret_cast<char*>(text.data()), base64_size, data_key.data(), data_key.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    text.data()[base64_size - 1] = ' ';
    std::copy(rest.begin(), rest.end(), text.data() + base64_size);
    return text;
}

struct ItemSecret {
    UnprotectedKey key;
    std::string copy_id;  // empty in items written before copies were told apart
};

std::optional<ItemSecret> decode_item_secret(std::string_view text) {
    const auto space = text.find(' ');
    if (space == std::string_view::npos) {
        return std::nullopt;
    }
    ItemSecret item{{crypto::SecureBuffer(crypto::kKeyBytes), std::nullopt}, {}};
    std::size_t decoded = 0;
    if (sodium_base642bin(item.key.data_key.data(), item.key.data_key.size(), text.data(), space, nullptr, &decoded,
                          nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        decoded != crypto::kKeyBytes) {
        return std::nullopt;
    }
    std::string_view number = text.substr(space + 1);
    if (const auto second_space = number.find(' '); second_space != std::string_view::npos) {
        item.copy_id = number.substr(second_space + 1);
        number = number.substr(0, second_space);
    }
    std::uint64_t generation = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), generation);
    if (error != std::errc() || end != number.data() + number.size()) {
        return std::nullopt;
    }
    item.key.newest_generation = generation;
    return item;
}

// Whether the generation in the item is this directory's: a copy of the store directory made
// elsewhere has its own history, which the item does not follow.
bool generation_is_for(const ItemSecret& item, const StoreIdentity& store) {
    return item.copy_id.empty() || item.copy_id == store.copy_id();
}

Result<const Api*> reachable_module() {
    auto api = module();
    if (!api) {
        return std::unexpected(unavailable(api.error().message));
    }
    return api;
}

// The item a header's parameters name, and the module to reach it.
struct KeyItem {
    std::string key_id;
    const Api* api = nullptr;
};

Result<KeyItem> key_item(const StoreIdentity& store, std::span<const unsigned char> params) {
    if (params.size() != kKeyIdBytes) {
        return fail("the secret-service parameters in the header of the keyhold store in " + store.directory.string() +
                    " are damaged");
    }
    auto api = reachable_module();
    if (!api) {
        return std::unexpected(api.error());
    }
    return KeyItem{encoding::to_hex(params), *api};
}

Result<void> store_item(const StoreIdentity& store, const std::string& key_id, const crypto::SecureBuffer& data_key,
                        std::uint64_t generation) {
    auto api = reachable_module();
    if (!api) {
        return std::unexpected(api.error());
    }
    const crypto::SecureBuffer text = encode_item_secret(data_key, generation, store);
    const std::string label = "keyhold store key (" + store.directory.string() + ")";
    std::array<char, kReasonBytes> reason{};
    const int status = with_retries([&] {
        return (*api)->store(store.store_id.c_str(), key_id.c_str(), store.directory.c_str(), label.c_str(),
                             reinterpret_cast<const char*>(text.data()), text.size(), reason.data(), reason.size());
    });
    if (status != KEYHOLD_SS_OK) {
        return std::unexpected(module_error(status, reason.data(), store));
    }
    return {};
}

Result<ItemSecret> read_item(const StoreIdentity& store, std::span<const unsigned char> params) {
    auto item = key_item(store, params);
    if (!item) {
        return std::unexpected(item.error());
    }
    crypto::SecureBuffer text(kMaxItemSecretBytes);
    std::size_t length = 0;
    std::array<char, kReasonBytes> reason{};
    const int status = with_retries([&] {
        return item->api->lookup(store.store_id.c_str(), item->key_id.c_str(), reinterpret_cast<char*>(text.data()),
                                 text.capacity(), &length, reason.data(), reason.size());
    });
    if (status != KEYHOLD_SS_OK) {
        return std::unexpected(module_error(status, reason.data(), store));
    }
    text.resize(length);
    auto decoded = decode_item_secret(text.text());
    if (!decoded) {
        return fail("the Secret Service item holding keyhold's store key for " + store.directory.string() +
                    " is damaged");
    }
    return std::move(*decoded);
}

class SecretServiceProtector final : public KeyProtector {
public:
    Result<void> unlock_interactively() override { return unlock_secret_service_collection(); }

    std::string_view name() const override { return "secret-service"; }

    Result<std::vector<unsigned char>> protect(const StoreIdentity& store, const crypto::SecureBuffer& data_key,
                                               std::uint64_t generation, NewKeyFor /*purpose*/) override {
        std::vector<unsigned char> params(kKeyIdBytes);
        crypto::fill_random(params);
        if (auto stored = store_item(store, encoding::to_hex(params), data_key, generation); !stored) {
            return std::unexpected(stored.error());
        }
        return params;
    }

    Result<UnprotectedKey> unprotect(const StoreIdentity& store, std::span<const unsigned char> params) override {
        auto item = read_item(store, params);
        if (!item) {
            return std::unexpected(item.error());
        }
        if (!generation_is_for(*item, store)) {
            item->key.newest_generation.reset();  // another copy's history: no floor for this one
        }
        return std::move(item->key);
    }

    bool records_generations() const override { return true; }

    Result<void> record_generation(const StoreIdentity& store, std::span<const unsigned char> params,
                                   const crypto::SecureBuffer& data_key, std::uint64_t generation) override {
        auto item = key_item(store, params);
        if (!item) {
            return std::unexpected(item.error());
        }
        // The item keeps the history of the directory it was made for; a copy elsewhere that
        // writes must not replace it (that copy gets an item of its own at its next re-key).
        if (auto current = read_item(store, params); current && !generation_is_for(*current, store)) {
            return {};
        }
        const crypto::SecureBuffer text = encode_item_secret(data_key, generation, store);
        std::array<char, kReasonBytes> reason{};
        const int status = with_retries([&] {
            return item->api->update(store.store_id.c_str(), item->key_id.c_str(),
                                     reinterpret_cast<const char*>(text.data()), text.size(), reason.data(),
                                     reason.size());
        });
        if (status != KEYHOLD_SS_OK) {
            return std::unexpected(module_error(status, reason.data(), store));
        }
        return {};
    }

    Result<void> forget_all_but(const StoreIdentity& store, std::span<const unsigned char> current) override {
        auto api = reachable_module();
        if (!api) {
            return std::unexpected(api.error());
        }
        // Parameters of another protector name no item here: every item goes. Only items made for
        // this directory: a copy of the store elsewhere (same store id) keeps its keys.
        const std::string kept = current.size() == kKeyIdBytes ? encoding::to_hex(current) : std::string();
        std::array<char, kReasonBytes> reason{};
        const int status = with_retries([&] {
            return (*api)->clear_others(store.store_id.c_str(), store.directory.c_str(), kept.c_str(), reason.data(),
                                        reason.size());
        });
        if (status != KEYHOLD_SS_OK) {
            return std::unexpected(module_error(status, reason.data(), store));
        }
        return {};
    }

    Result<void> forget(const StoreIdentity& store, std::span<const unsigned char> params) override {
        auto item = key_item(store, params);
        if (!item) {
            return std::unexpected(item.error());
        }
        std::array<char, kReasonBytes> reason{};
        const int status = with_retries([&] {
            return item->api->clear(store.store_id.c_str(), item->key_id.c_str(), reason.data(), reason.size());
        });
        if (status != KEYHOLD_SS_OK) {
            return std::unexpected(module_error(status, reason.data(), store));
        }
        return {};
    }
};

}  // namespace

std::unique_ptr<KeyProtector> make_secret_service_protector() { return std::make_unique<SecretServiceProtector>(); }

Result<void> secret_service_answers() {
    auto api = reachable_module();
    if (!api) {
        return std::unexpected(api.error());
    }
    std::array<char, kReasonBytes> reason{};
    const int status = (*api)->answers(reason.data(), reason.size());
    if (status != KEYHOLD_SS_OK) {
        return std::unexpected(module_error(status, reason.data(), StoreIdentity{}));
    }
    return {};
}

Result<void> unlock_secret_service_collection(std::chrono::milliseconds timeout) {
    auto api = reachable_module();
    if (!api) {
        return std::unexpected(api.error());
    }
    std::array<char, kReasonBytes> reason{};
    const auto wait =
        static_cast<unsigned int>(std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 0, 3'600'000));
    const int status = (*api)->unlock(wait, reason.data(), reason.size());
    switch (status) {
        case KEYHOLD_SS_OK:
            return {};
        case KEYHOLD_SS_LOCKED:
            return fail("the Secret Service's default keyring is still locked: " + std::string(reason.data()));
        default:
            return std::unexpected(module_error(status, reason.data(), StoreIdentity{}));
    }
}

}  // namespace keyhold::platform
