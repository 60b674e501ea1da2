#pragma once
// docker-credential-keyhold: Docker's credential-helper protocol, as the docker CLI, buildah,
// podman, skopeo and BuildKit speak it (github.com/docker/docker-credential-helpers).

#include <span>
#include <string_view>

#include "keyhold/protocol/helper_streams.hpp"
#include "keyhold/settings.hpp"

namespace keyhold::protocol {

// The exact strings clients compare against.
inline constexpr std::string_view kCredentialsNotFound = "credentials not found in native keychain";
inline constexpr std::string_view kMissingServerUrl = "no credentials server URL";
inline constexpr std::string_view kMissingUsername = "no credentials username";

// `store` and `get`/`erase` read at most this much stdin; more is refused with an error.
inline constexpr std::size_t kMaxDockerRequestBytes = std::size_t{1} << 20;

// Runs one verb (argv[1]) and returns the process exit code.
int run_docker_helper(std::span<const std::string_view> args, const HelperStreams& streams, const Settings& settings);

}  // namespace keyhold::protocol
