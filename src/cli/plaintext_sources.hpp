#pragma once
// Where `keyhold import` finds plaintext credentials, and how it takes them out again: the
// `auths` of docker's config.json and of the containers tools' auth files, and the lines of
// git-credential-store's files (docs/setup.md, "keyhold import").

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "client_json.hpp"
#include "git_credentials_file.hpp"
#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"
#include "keyhold/platform/client_file.hpp"
#include "keyhold/settings.hpp"

namespace keyhold::cli {

// docker-credential-helpers' user name for an identity token (docs/docker-helper.md).
inline constexpr std::string_view kIdentityTokenUser = "<token>";

enum class SourceKind { docker, containers, git };

// A file that holds plaintext credentials, as read.
struct Source {
    SourceKind kind;
    std::filesystem::path file;
    platform::ClientFile read;
    ClientJson document;          // docker, containers
    GitCredentialsFile git_file;  // git
};

// One plaintext credential found in a source.
struct Candidate {
    std::size_t source = 0;  // index into PlaintextFound::sources
    std::string address;     // the auths key, or protocol://host[/path]: what the user reads
    std::string username;
    crypto::SecureBuffer secret;
    std::size_t git_credential = 0;  // index into the source's git_file.credentials
    bool verified = false;           // the store answers it back
};

struct PlaintextFound {
    std::vector<Source> sources;
    std::vector<Candidate> candidates;
    std::size_t unreadable = 0;  // sources that could not be read or parsed (each said in a line)
};

// Reads every source the paths name (and each `store --file` of git's credential.helper). What
// cannot move, and each file that cannot be read, is said on stdout in one line and left.
PlaintextFound find_plaintext(const ClientConfigPaths& paths);

// Whether a credential.helper value runs git-credential-store (`store`, `store --file PATH`, the
// program by name or path), whose files import reads and whose entries it removes: one test
// for both, or import could empty a file whose helper it then leaves to write it back.
bool is_git_store_helper(std::string_view value);

// "docker", "podman/buildah/skopeo", "git".
std::string_view kind_name(SourceKind kind);

// The credential as it may be shown: address and user name, never the secret.
std::string shown(const Candidate& candidate);

// The `credsStore` or other string field of a JSON object; empty when absent.
std::string string_field(const ClientJson& object, const char* name);

// Removes the verified candidates of sources[index] from its file, in one atomic rewrite that
// keeps every other entry or line, the mode and the owner. Returns how many went.
Result<std::size_t> remove_verified(Source& source, std::size_t index, const std::vector<Candidate>& candidates);

}  // namespace keyhold::cli
