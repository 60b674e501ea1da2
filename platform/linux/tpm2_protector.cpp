#include "tpm2_protector.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/platform/files.hpp"
#include "keyhold_module.hpp"
#include "tpm2_abi.h"
#include "tpm2_params.hpp"

namespace keyhold::platform {
namespace {

constexpr std::string_view kDefaultTcti = "device:/dev/tpmrm0";
// The TCTI loader dlopens whatever name it is given, as given and as libtss2-tcti-<name>.so.0,
// from the library path: only tpm2-tss's own TCTIs for a TPM device, the kernel's or tabrmd's
// resource manager and the simulators, so that KEYHOLD_TPM2_TCTI cannot make a credential
// helper load some other library.
constexpr std::array<std::string_view, 4> kAllowedTctis = {"device", "swtpm", "mssim", "tabrmd"};
constexpr std::size_t kMaxTctiBytes = 256;
constexpr std::size_t kReasonBytes = 512;
// A marshalled TPM2B_NAME, TPM2B_PUBLIC and TPM2B_PRIVATE fit in well under 1 KiB.
constexpr std::size_t kMaxSealedBytes = 4096;

using Api = keyhold_tpm2_api;

// tss2-esys brings libcrypto and the TCTI loader: loaded only on a key-cache miss
// (keyhold_module.hpp).
constexpr KeyholdModule kModule = {"keyhold-tpm2.so", KEYHOLD_TPM2_ENTRY, "the TPM module", "keyhold-tpm2"};

Result<const Api*> module() {
    static const Result<const Api*> loaded = load_keyhold_module<Api>(kModule, KEYHOLD_TPM2_ABI_VERSION);
    return loaded;
}

// /dev/tpmN or /dev/tpmrmN: the kernel's names for a TPM and its resource manager.
bool is_tpm_device(std::string_view path) {
    for (const std::string_view prefix : {"/dev/tpmrm", "/dev/tpm"}) {
        if (path.starts_with(prefix)) {
            const std::string_view number = path.substr(prefix.size());
            return !number.empty() && number.size() <= 4 &&
                   std::ranges::all_of(number, [](char c) { return c >= '0' && c <= '9'; });
        }
    }
    return false;
}

// KEYHOLD_TPM2_TCTI, or the kernel's resource manager; refused unless it names a TCTI of the list.
Result<std::string> tcti_of(const ProtectorOptions& options) {
    const std::string tcti = options.tpm2_tcti.empty() ? std::string(kDefaultTcti) : options.tpm2_tcti;
    const std::string_view name = std::string_view(tcti).substr(0, tcti.find(':'));
    const bool printable = std::ranges::all_of(tcti, [](char c) { return c > ' ' && c < 0x7f; });
    if (tcti.size() > kMaxTctiBytes || !printable || std::ranges::find(kAllowedTctis, name) == kAllowedTctis.end()) {
        return fail("KEYHOLD_TPM2_TCTI '" + encoding::printable(tcti, 80) +
                    "' is not a TCTI keyhold uses: give device, swtpm, mssim or tabrmd and its configuration, "
                    "such as device:/dev/tpmrm0 or swtpm:host=127.0.0.1,port=2321");
    }
    // The device TCTI writes its commands into whatever it opens: device:/etc/shadow or
    // device:/dev/port would have keyhold overwrite them. Only the kernel's TPM devices.
    if (name == "device" && tcti != "device" && !is_tpm_device(std::string_view(tcti).substr(name.size() + 1))) {
        return fail("KEYHOLD_TPM2_TCTI '" + encoding::printable(tcti, 80) +
                    "' names no TPM device: give device:/dev/tpmrm0 or device:/dev/tpm0 (or another number)");
    }
    return tcti;
}

// Why no TPM answered, in the words a user acts on.
Error unavailable(const std::string& tcti, const char* reason) {
    if (tcti.starts_with("device:") || tcti == "device") {
        const std::string path = tcti == "device" ? "/dev/tpm0" : tcti.substr(std::string_view("device:").size());
        std::error_code error;
        if (!std::filesystem::exists(path, error)) {
            return Error{"no TPM here (" + tcti + ": " + path +
                         " does not exist); set KEYHOLD_TPM2_TCTI or choose another backend"};
        }
    }
    return Error{"the TPM at " + tcti + " does not answer (" + std::string(reason) +
                 "); check KEYHOLD_TPM2_TCTI, or choose another backend"};
}

// A TPM that stops answering (swtpm or mssim stopped: tcti-swtpm waits on its sockets without a
// timeout, and ESAPI resubmits after TRY_AGAIN) held a helper, and each one after it, for ever.
// So each module call runs in a thread of its own that owns everything it touches (CallState),
// and the caller gives up after kLongestTpmCall, leaving that thread to the process's exit.
constexpr std::chrono::seconds kLongestTpmCall{30};

struct CallState {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    int status = KEYHOLD_TPM2_FAILED;
    std::string tcti;
    std::array<char, kReasonBytes> reason{};
    std::vector<unsigned char> blob;  // the sealed key: seal's output, unseal's input
    std::size_t blob_size = 0;
    crypto::SecureBuffer data_key{crypto::kKeyBytes};  // seal's input, unseal's output
    std::size_t data_key_size = 0;
};

// `call(state)` returns the module's status; the error when no answer came in time.
template <class Call>
Result<void> call_in_time(const std::shared_ptr<CallState>& state, Call call) {
    std::thread worker([state, call] {
        const int status = call(*state);
        const std::lock_guard lock(state->mutex);
        state->status = status;
        state->done = true;
        state->finished.notify_all();
    });
    std::unique_lock lock(state->mutex);
    const bool answered = state->finished.wait_for(lock, kLongestTpmCall, [&] { return state->done; });
    lock.unlock();
    if (!answered) {
        worker.detach();
        const std::string why = "silent for " + std::to_string(kLongestTpmCall.count()) + " s";
        return std::unexpected(unavailable(state->tcti, why.c_str()));
    }
    // Joined, not detached: the thread's exit runs libcrypto's per-thread clean-up (tpm2-tss
    // uses OpenSSL), which must be over before the process's exit runs OPENSSL_cleanup; a
    // detached thread still ending then was a double free (ASan, tpm2.sh).
    worker.join();
    return {};
}

struct Reachable {
    const Api* api = nullptr;
    std::string tcti;
};

Result<Reachable> reachable(const ProtectorOptions& options) {
    auto tcti = tcti_of(options);
    if (!tcti) {
        return std::unexpected(tcti.error());
    }
    auto api = module();
    if (!api) {
        return std::unexpected(api.error());
    }
    return Reachable{*api, std::move(*tcti)};
}

// One TPM call at a time for a store's processes: without the kernel's resource manager in
// front, a TPM turns parallel callers away (/dev/tpm0 opens once; swtpm and mssim have three
// object slots for all their clients: 16 parallel gets took 3.2 s of the module's retries on
// swtpm, about 0.3 s in turn). Best effort: a directory where no lock file can be made (read
// only) still serves, as before, on the module's retries alone.
std::optional<ExclusiveLock> one_tpm_call_at_a_time(const StoreIdentity& store) {
    auto lock = ExclusiveLock::acquire(store.directory / "tpm2.lock");
    if (!lock) {
        return std::nullopt;
    }
    return std::move(*lock);
}

std::string sealed_file_text(const StoreIdentity& store, const tpm2::Params& params) {
    return "the sealed key file " + (store.directory / tpm2::sealed_file_name(params.key_id)).string() +
           " of the keyhold store";
}

// The module's status and reason as one user-facing sentence.
Error module_error(int status, const char* reason, const std::string& tcti, const StoreIdentity& store,
                   const tpm2::Params& params) {
    switch (status) {
        case KEYHOLD_TPM2_UNAVAILABLE:
            return unavailable(tcti, reason);
        case KEYHOLD_TPM2_OTHER_TPM:
            return Error{"the TPM that sealed the key of the keyhold store in " + store.directory.string() +
                         " is not this machine's TPM (" + tcti +
                         "), or it was cleared: open the store where it was made and run `keyhold rekey "
                         "--backend passphrase`"};
        case KEYHOLD_TPM2_POLICY:
            return Error{"the boot state (PCRs " + tpm2::pcr_list_text(params.pcrs) +
                         ") changed since the key of the keyhold store in " + store.directory.string() +
                         " was sealed: boot what ran then and run `keyhold rekey --backend passphrase` before "
                         "updating firmware or kernel (docs/platforms.md, \"tpm2\")"};
        case KEYHOLD_TPM2_DAMAGED:
            return Error{sealed_file_text(store, params) + " is damaged (" + std::string(reason) +
                         "): restore the store directory from a backup, store and sealed files together"};
        default:
            return Error{"the TPM at " + tcti + " failed: " + std::string(reason)};
    }
}

Result<tpm2::Params> params_of(const StoreIdentity& store, std::span<const unsigned char> bytes) {
    auto params = tpm2::decode_params(bytes);
    if (!params) {
        return fail("the tpm2 parameters in the header of the keyhold store in " + store.directory.string() +
                    " are damaged");
    }
    return *params;
}

Result<std::vector<unsigned char>> read_sealed_file(const StoreIdentity& store, const tpm2::Params& params) {
    auto bytes = read_private_file(store.directory / tpm2::sealed_file_name(params.key_id), kMaxSealedBytes);
    if (!bytes) {
        return fail(sealed_file_text(store, params) + " cannot be read: " + bytes.error().message);
    }
    if (!*bytes) {
        return fail(sealed_file_text(store, params) +
                    " is missing: it belongs with the store file; restore both from a backup of the directory");
    }
    return std::move(**bytes);
}

Result<void> remove_sealed_file(const StoreIdentity& store,
                                const std::array<unsigned char, tpm2::kKeyIdBytes>& key_id) {
    const std::filesystem::path file = store.directory / tpm2::sealed_file_name(key_id);
    std::error_code error;
    std::filesystem::remove(file, error);  // false, no error, when it is gone already
    if (error) {
        return fail("cannot remove " + file.string() + ": " + error.message());
    }
    return {};
}

class Tpm2Protector final : public KeyProtector {
public:
    explicit Tpm2Protector(ProtectorOptions options) : options_(std::move(options)) {}

    std::string_view name() const override { return "tpm2"; }

    Result<std::vector<unsigned char>> protect(const StoreIdentity& store, const crypto::SecureBuffer& data_key,
                                               std::uint64_t /*generation*/, NewKeyFor /*purpose*/) override {
        tpm2::Params params;
        if (options_.tpm2_pcrs) {
            auto pcrs = tpm2::parse_pcr_list(*options_.tpm2_pcrs);
            if (!pcrs) {
                return std::unexpected(pcrs.error());
            }
            params.pcrs = *pcrs;
        } else if (const auto replaced = tpm2::decode_params(options_.replaced_params)) {
            params.pcrs = replaced->pcrs;  // a re-key keeps the boot state the key was bound to
        }
        auto tpm = reachable(options_);
        if (!tpm) {
            return std::unexpected(tpm.error());
        }
        crypto::fill_random(params.key_id);
        const auto call = std::make_shared<CallState>();
        call->tcti = tpm->tcti;
        call->blob.resize(kMaxSealedBytes);
        call->data_key = crypto::SecureBuffer::copy_of(data_key.bytes());
        const auto turn = one_tpm_call_at_a_time(store);
        if (auto answered = call_in_time(call,
                                         [api = tpm->api, mask = params.pcrs.mask](CallState& state) {
                                             return api->seal(state.tcti.c_str(), mask, state.data_key.data(),
                                                              state.data_key.size(), state.blob.data(),
                                                              state.blob.size(), &state.blob_size, state.reason.data(),
                                                              state.reason.size());
                                         });
            !answered) {
            return std::unexpected(answered.error());
        }
        if (call->status != KEYHOLD_TPM2_OK) {
            return std::unexpected(module_error(call->status, call->reason.data(), tpm->tcti, store, params));
        }
        std::vector<unsigned char> sealed(call->blob.begin(),
                                          call->blob.begin() + static_cast<std::ptrdiff_t>(call->blob_size));
        // Only the TPM that sealed it can open it; the file is private all the same, as the store.
        if (auto written = replace_file_atomically(store.directory / tpm2::sealed_file_name(params.key_id), sealed);
            !written) {
            return std::unexpected(written.error());
        }
        return tpm2::encode_params(params);
    }

    Result<UnprotectedKey> unprotect(const StoreIdentity& store, std::span<const unsigned char> bytes) override {
        auto params = params_of(store, bytes);
        if (!params) {
            return std::unexpected(params.error());
        }
        auto sealed = read_sealed_file(store, *params);
        if (!sealed) {
            return std::unexpected(sealed.error());
        }
        auto tpm = reachable(options_);
        if (!tpm) {
            return std::unexpected(tpm.error());
        }
        const auto call = std::make_shared<CallState>();
        call->tcti = tpm->tcti;
        call->blob = std::move(*sealed);
        const auto turn = one_tpm_call_at_a_time(store);
        if (auto answered = call_in_time(call,
                                         [api = tpm->api, mask = params->pcrs.mask](CallState& state) {
                                             return api->unseal(state.tcti.c_str(), mask, state.blob.data(),
                                                                state.blob.size(), state.data_key.data(),
                                                                state.data_key.capacity(), &state.data_key_size,
                                                                state.reason.data(), state.reason.size());
                                         });
            !answered) {
            return std::unexpected(answered.error());
        }
        const int status = call->status;
        if (status == KEYHOLD_TPM2_TOO_SMALL ||
            (status == KEYHOLD_TPM2_OK && call->data_key_size != crypto::kKeyBytes)) {
            return fail(sealed_file_text(store, *params) + " holds no keyhold data key");
        }
        if (status != KEYHOLD_TPM2_OK) {
            return std::unexpected(module_error(status, call->reason.data(), tpm->tcti, store, *params));
        }
        return UnprotectedKey{std::move(call->data_key), std::nullopt};
    }

    // The TPM could keep the newest generation in an NV counter, but that needs NV space
    // provisioned per store and owner authorization: not done (docs/threat-model.md).
    bool records_generations() const override { return false; }
    Result<void> record_generation(const StoreIdentity&, std::span<const unsigned char>, const crypto::SecureBuffer&,
                                   std::uint64_t) override {
        return {};
    }

    Result<void> forget(const StoreIdentity& store, std::span<const unsigned char> bytes) override {
        const auto params = tpm2::decode_params(bytes);
        if (!params) {
            return {};  // names no file of ours
        }
        return remove_sealed_file(store, params->key_id);
    }

    Result<void> forget_all_but(const StoreIdentity& store, std::span<const unsigned char> current) override {
        const auto kept = tpm2::decode_params(current);
        std::error_code error;
        std::vector<std::array<unsigned char, tpm2::kKeyIdBytes>> doomed;
        for (const auto& file : std::filesystem::directory_iterator(store.directory, error)) {
            const auto key_id = tpm2::key_id_of_sealed_file(file.path().filename().string());
            if (key_id && !(kept && kept->key_id == *key_id)) {
                doomed.push_back(*key_id);
            }
        }
        if (error) {
            return fail("cannot list " + store.directory.string() + ": " + error.message());
        }
        for (const auto& key_id : doomed) {
            if (auto removed = remove_sealed_file(store, key_id); !removed) {
                return removed;
            }
        }
        return {};
    }

    std::optional<Result<std::string>> diagnose(const StoreIdentity& store,
                                                std::span<const unsigned char> bytes) override {
        return check(store, bytes);
    }

private:
    // The module loads, a TPM answers through the TCTI, and the key's sealed file is there.
    Result<std::string> check(const StoreIdentity& store, std::span<const unsigned char> bytes) const {
        auto params = params_of(store, bytes);
        if (!params) {
            return std::unexpected(params.error());
        }
        auto tpm = reachable(options_);
        if (!tpm) {
            return std::unexpected(tpm.error());
        }
        const auto call = std::make_shared<CallState>();
        call->tcti = tpm->tcti;
        const auto turn = one_tpm_call_at_a_time(store);
        if (auto answered = call_in_time(call,
                                         [api = tpm->api](CallState& state) {
                                             return api->probe(state.tcti.c_str(), state.reason.data(),
                                                               state.reason.size());
                                         });
            !answered) {
            return std::unexpected(answered.error());
        }
        if (call->status != KEYHOLD_TPM2_OK) {
            return std::unexpected(module_error(call->status, call->reason.data(), tpm->tcti, store, *params));
        }
        if (auto sealed = read_sealed_file(store, *params); !sealed) {
            return std::unexpected(sealed.error());
        }
        return "a TPM answers at " + tpm->tcti + "; the key is sealed in " + tpm2::sealed_file_name(params->key_id) +
               (params->pcrs.empty() ? std::string(", with no PCR policy")
                                     : ", bound to PCRs " + tpm2::pcr_list_text(params->pcrs));
    }

    ProtectorOptions options_;
};

}  // namespace

std::unique_ptr<KeyProtector> make_tpm2_protector(const ProtectorOptions& options) {
    return std::make_unique<Tpm2Protector>(options);
}

}  // namespace keyhold::platform
