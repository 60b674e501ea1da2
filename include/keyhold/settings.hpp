#pragma once
// What keyhold takes from its environment, read once by each main (settings_from_environment())
// and passed down: no module below the mains reads an environment variable of keyhold's, so
// what a call does follows from its arguments, and a test sets what it needs in a value.
//
// Not here, on purpose:
// - KEYHOLD_PASSPHRASE and KEYHOLD_NEW_PASSPHRASE. They are secrets: the passphrase protector
//   (platform/common/passphrase_protector.cpp) reads them at the moment it unwraps or wraps a
//   key, straight into secure memory (mlock'ed, guarded, wiped on release), and releases them
//   when done. Settings live as long as the process, in the ordinary heap, and go to every
//   module: a copy here could be swapped out or land in a core dump for the whole run (the
//   heap's wipe-on-free helps only once it is freed), and be one careless log line away from
//   any caller.
// - PATH: it is how the OS finds programs (platform::find_on_path, replace_process), and the
//   programs keyhold starts inherit it, not a setting of keyhold's.
// - What a protector's own system library reads (D-Bus finding its session bus).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "keyhold/error.hpp"

namespace keyhold {

// The key cache's lifetime without KEYHOLD_KEY_CACHE_SECONDS (docs/threat-model.md).
inline constexpr std::chrono::seconds kDefaultKeyCacheLifetime{900};
// A longer KEYHOLD_KEY_CACHE_SECONDS is refused (the cache is then off).
inline constexpr std::chrono::seconds kLongestKeyCacheLifetime{7 * 24 * 3600};

// Where the clients that `keyhold configure`, `keyhold import` and `keyhold doctor` read keep
// their configuration (docs/setup.md says which file each command edits, and why).
struct ClientConfigPaths {
    // docker's: $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json; nullopt when
    // neither variable is set.
    std::optional<std::filesystem::path> docker_config;

    // podman, buildah and skopeo's auth files (containers-auth.json(5)). For each registry they
    // read, in order, until one has an entry: the primary file, then the persistent one, then
    // docker's config.json. REGISTRY_AUTH_FILE replaces that list with itself.
    std::optional<std::filesystem::path> containers_auth_override;  // $REGISTRY_AUTH_FILE
    // The primary (read/write, where `podman login` writes) file: $XDG_RUNTIME_DIR/containers/
    // auth.json, else /run/containers/UID/auth.json on Linux, else the persistent one.
    std::optional<std::filesystem::path> containers_auth_primary;
    // $XDG_CONFIG_HOME/containers/auth.json, else $HOME/.config/containers/auth.json.
    std::optional<std::filesystem::path> containers_auth_persistent;

    // The one auth file keyhold edits and checks: REGISTRY_AUTH_FILE when set; else the
    // primary file if it exists; else the persistent one if it exists; else the primary file
    // (to be created). Looks at the file system; nullopt when no variable names any.
    std::optional<std::filesystem::path> containers_auth() const;

    // git-credential-store(1)'s default files, in the order it reads them: ~/.git-credentials,
    // then $XDG_CONFIG_HOME/git/credentials (else ~/.config/git/credentials).
    std::vector<std::filesystem::path> git_credentials;
    // $HOME: what `~/` means in a `store --file ~/...` helper.
    std::optional<std::filesystem::path> home;
};

struct Settings {
    // KEYHOLD_HOME, made absolute and normal: the store directory. nullopt when unset or empty
    // (an empty value never means the working directory); an error when a relative value
    // cannot be made absolute (no working directory), reported where the store is located.
    Result<std::optional<std::filesystem::path>> keyhold_home = std::nullopt;
    // The OS's per-user data directory for keyhold (platform::default_store_directory()): the
    // store directory without KEYHOLD_HOME.
    Result<std::filesystem::path> default_store_directory = fail("no default store directory was looked up");
    // KEYHOLD_KEY_CACHE_SECONDS: how long an unlocked store key stays in the OS's key cache;
    // 0 turns the cache off for this process. Unset or empty: kDefaultKeyCacheLifetime; not a
    // whole number of seconds, or negative: 0.
    std::chrono::seconds key_cache_lifetime = kDefaultKeyCacheLifetime;
    // KEYHOLD_DEBUG set, non-empty and not "0": the credential helpers say on stderr why a
    // request failed or found nothing.
    bool debug = false;
    // KEYHOLD_TPM2_TCTI: how the tpm2 protector reaches the TPM (a TCTI loader string such as
    // "swtpm:host=127.0.0.1,port=2321"); empty: the kernel's resource manager. The protector
    // checks it where it is used (platform/linux/tpm2_protector.cpp), so the message names it.
    std::string tpm2_tcti;
    ClientConfigPaths client_config;
    // KEYHOLD_AGENT_SOCK: the credential helpers are clients of the `keyhold agent` on this Unix
    // socket; they open no store and need no key (docs/agent.md). nullopt when unset or empty.
    std::optional<std::filesystem::path> agent_socket;
};

// Reads the settings from the environment. Only the mains (and tests) call it, once.
Settings settings_from_environment();

}  // namespace keyhold
