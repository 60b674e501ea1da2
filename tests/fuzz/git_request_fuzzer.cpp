// git-credential-keyhold's parser of what git sends (git-credential(1) "INPUT/OUTPUT FORMAT").
//
// The property that git's credential CVEs (CVE-2020-5260, CVE-2020-11008, CVE-2024-52006)
// broke elsewhere: no parsed value carries a line break or NUL, so an answer keyhold writes
// from them is read back by git as exactly the attributes keyhold meant.

#include <optional>

#include "fuzz_support.hpp"
#include "keyhold/crypto/secure_arena.hpp"
#include "keyhold/protocol/git_messages.hpp"

namespace {

using namespace keyhold;
using fuzz::require;

bool single_line(std::string_view value) { return value.find_first_of(std::string_view("\n\r\0", 3)) == std::string_view::npos; }

template <class Value>
void require_single_line(const std::optional<Value>& value) {
    if constexpr (std::is_same_v<Value, crypto::SecretView>) {
        require(!value || single_line(value->expose()));
    } else {
        require(!value || single_line(*value));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    fuzz::initialize_sodium_once();
    crypto::SecureArena arena;
    const auto request = protocol::parse_git_request(fuzz::as_text(data, size), arena);
    if (!request) {
        return 0;
    }
    require_single_line(request->protocol);
    require_single_line(request->host);
    require_single_line(request->path);
    require_single_line(request->username);
    require_single_line(request->password);
    require_single_line(request->oauth_refresh_token);
    require_single_line(request->authtype);
    require_single_line(request->credential);

    // An answer built from these values reads back as the same values.
    protocol::GitAnswer answer;
    answer.username = request->username.value_or("");
    answer.password = request->password.value_or(crypto::SecretView());
    answer.password_expiry_utc = request->password_expiry_utc;
    answer.oauth_refresh_token = request->oauth_refresh_token.value_or(crypto::SecretView());
    const crypto::SecureBuffer written = protocol::format_git_answer(answer, false);
    crypto::SecureArena reread_arena;
    const auto reread = protocol::parse_git_request(written.text(), reread_arena);
    require(reread.has_value());
    require(reread->username.value_or("") == answer.username);
    require(reread->password && reread->password->expose() == answer.password.expose());
    require(reread->password_expiry_utc == answer.password_expiry_utc);
    require(reread->oauth_refresh_token.value_or(crypto::SecretView()).expose() == answer.oauth_refresh_token.expose());
    require(!reread->protocol && !reread->host && !reread->path);
    return 0;
}
