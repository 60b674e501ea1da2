#pragma once
// git-credential-store(1)'s file: one credential per line, `https://user:pass@host[/path]`,
// with the username and password (and the rest) percent-encoded. Lines that are not such a
// credential are git's to ignore and keyhold's to keep, byte for byte.

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/crypto/secure_buffer.hpp"

namespace keyhold::cli {

struct StoredGitCredential {
    std::size_t line = 0;  // from 0
    std::string protocol;
    std::string host;  // with ":port" when the line has one
    std::string path;  // without the leading '/'; empty when none
    std::string username;
    crypto::SecureBuffer password;
};

struct GitCredentialsFile {
    std::vector<StoredGitCredential> credentials;
    std::vector<std::size_t> other_lines;  // non-empty lines that are no credential (kept as they are)
};

GitCredentialsFile parse_git_credentials(std::string_view text);

// `text` without the lines numbered in `lines` (from 0); every other byte as it was.
std::string without_lines(std::string_view text, const std::set<std::size_t>& lines);

}  // namespace keyhold::cli
