#pragma once
// docker-credential-keyhold: Docker's credential-helper protocol, as the docker CLI, buildah,
// podman, skopeo and BuildKit speak it (github.com/docker/docker-credential-helpers).

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>

#include "keyhold/protocol/helper_streams.hpp"
#include "keyhold/crypto/secret.hpp"
#include "keyhold/settings.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::protocol {

// The exact strings clients compare against.
inline constexpr std::string_view kCredentialsNotFound = "credentials not found in native keychain";
inline constexpr std::string_view kMissingServerUrl = "no credentials server URL";
inline constexpr std::string_view kMissingUsername = "no credentials username";

// `store` and `get`/`erase` read at most this much stdin; more is refused with an error.
inline constexpr std::size_t kMaxDockerRequestBytes = std::size_t{1} << 20;

// What `store` does, in the caller's transaction (so that `keyhold import` stores registry
// credentials exactly as the helper does): the user's credential for `server_url` (whose
// spelling becomes the entry's label), unless it is the org's own. Views into the arguments
// and into `storage` must outlive commit(). Fails when `server_url` is no registry address.
Result<void> put_registry_credential(store::Transaction& transaction, std::string_view server_url,
                                     std::string_view username, crypto::SecretView secret,
                                     std::deque<std::string>& storage, std::int64_t now);

// Runs one verb (argv[1]) and returns the process exit code.
int run_docker_helper(std::span<const std::string_view> args, const HelperStreams& streams, const Settings& settings);

}  // namespace keyhold::protocol
