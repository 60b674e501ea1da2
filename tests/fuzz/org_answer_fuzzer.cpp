// What an org's API answers (sync/org_api.hpp): ignite's secrets, gitpod's list and value, and
// the message of an error answer. The org's server is not ours; no answer may crash `keyhold
// sync` or put a credential into the store that a client could not use safely.
//
// The input is three parts: the first line is the org token (blanked from error messages), the
// second the registry host a gitpod value belongs to, the rest the answer's body.

#include <algorithm>

#include "fuzz_support.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/match/registry_key.hpp"
#include "keyhold/sync/org_api.hpp"

namespace {

using namespace keyhold;
using fuzz::require;

std::string_view take_line(std::string_view& input) {
    const auto end = input.find('\n');
    const std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    return line;
}

bool has_control_characters(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
}

// What the store receives: registry keys that parse, user names that cannot forge protocol lines.
void check_snapshot(const sync::OrgSnapshot& snapshot) {
    for (const auto& registry : snapshot.registries) {
        require(match::parse_registry_key(registry.server_url).has_value());
        require(!registry.username.empty() && !has_control_characters(registry.username));
    }
    if (snapshot.git) {
        require(!snapshot.git->username.empty() && !has_control_characters(snapshot.git->username));
        require(!snapshot.git->password.empty() && !has_control_characters(snapshot.git->password.expose()));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    fuzz::initialize_sodium_once();
    std::string_view input = fuzz::as_text(data, size);
    const std::string_view token = take_line(input);
    const std::string_view registry_host = take_line(input);
    const std::string_view body = input;

    sync::OrgSnapshot ignite;
    if (sync::parse_ignite_secrets(body, ignite)) {
        check_snapshot(ignite);
    }
    if (const auto page = sync::parse_gitpod_list(body)) {
        for (const auto& secret : page->registry_secrets) {
            require(!secret.registry_host.empty());
        }
    }
    sync::OrgSnapshot gitpod;
    if (sync::parse_gitpod_value(body, registry_host, gitpod)) {
        require(gitpod.registries.size() == 1);
        check_snapshot(gitpod);
    }

    // One printable line of valid UTF-8, bounded: 300 characters of the message at most, each
    // shown in at most 6 bytes (an escape such as \u202e), and "…". Without the token (a token
    // made of what blanking writes, '*', cannot be asked that).
    const std::string message = sync::org_error_message(body, token);
    require(!has_control_characters(message));
    require(encoding::utf8_repaired(message) == message);
    require(message.size() <= 300 * 6 + std::string_view("…").size());
    // Asked of tokens as orgs issue them, printable ASCII: a backslash or a non-ASCII character
    // can spell what printable() writes for something else (an escape such as \x7f, U+FFFD).
    const bool plain_token = std::all_of(token.begin(), token.end(), [](char c) {
        return c > 0x20 && c < 0x7f && c != '*' && c != '\\';
    });
    if (!token.empty() && plain_token && message.size() < 300) {
        require(message.find(token) == std::string::npos);
    }
    return 0;
}
