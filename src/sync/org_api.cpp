#include "keyhold/sync/org_api.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/match/registry_key.hpp"

namespace keyhold::sync {
namespace {

using encoding::has_control_characters;
using encoding::printable;
using nlohmann::json;

Error malformed(std::string_view what) {
    return Error{"the org's answer is malformed: " + std::string(what)};
}

// How a name or address from the org's answer appears in a message: the org chose its bytes.
std::string shown(std::string_view text) { return "'" + printable(text, 100) + "'"; }
std::string shown_address(std::string_view address) { return "'" + encoding::address_for_display(address, 100) + "'"; }

// Only an answer of the API's documented shape may change what is served: a 200 from a
// maintenance page or a proxy ({"status": "down for maintenance"}) would otherwise read as "the
// org has no credentials" and remove them from every machine. pbjson omits empty fields, so an
// org that saved nothing answers {}; anything else must carry at least one field of the API.
Result<void> check_shape(const json& answer, std::initializer_list<const char*> fields, std::string_view api) {
    if (answer.empty()) {
        return {};
    }
    for (const char* field : fields) {
        if (answer.contains(field)) {
            return {};
        }
    }
    std::string names;
    for (const char* field : fields) {
        names += (names.empty() ? "" : ", ") + std::string(field);
    }
    return std::unexpected(malformed("it has none of " + names + ", so it is not " + std::string(api) +
                                     " (a maintenance page or a proxy's answer?)"));
}

// A user name goes back to clients in JSON and in git's text protocol: no control character,
// and UTF-8 (a JSON writer would otherwise turn it into another name).
bool is_usable_user_name(std::string_view name) {
    return !name.empty() && !has_control_characters(name) && encoding::utf8_repaired(name) == name;
}

// Build secrets become environment variables for `keyhold exec`.
bool is_environment_name(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) {
        return false;
    }
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// No parser message reaches the user: it could quote a credential.
Result<json> parse_object(std::string_view text) {
    json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
        return std::unexpected(malformed("it is not valid JSON (truncated?)"));
    }
    if (!parsed.is_object()) {
        return std::unexpected(malformed("it is not a JSON object"));
    }
    return parsed;
}

// A map field of strings: absent or null is empty, anything else but an object of strings is an error.
Result<const json*> string_map(const json& object, const char* field) {
    const auto found = object.find(field);
    if (found == object.end() || found->is_null()) {
        return nullptr;
    }
    if (!found->is_object()) {
        return std::unexpected(malformed(std::string(field) + " is not an object"));
    }
    if (found->size() > kMaxOrgEntries) {
        return std::unexpected(malformed(std::string(field) + " has more than " + std::to_string(kMaxOrgEntries) +
                                         " entries"));
    }
    for (const auto& [key, value] : found->items()) {
        if (!value.is_string()) {
            return std::unexpected(malformed(std::string(field) + "[" + shown(key) + "] is not a string"));
        }
    }
    return &*found;
}

// base64 (with or without padding) of "user:token", as docker's `auth` field.
Result<void> add_registry(std::string_view url, std::string_view encoded, OrgSnapshot& snapshot) {
    if (!match::parse_registry_key(url)) {
        return std::unexpected(malformed("registryCredentials has a key that is not a registry address"));
    }
    crypto::SecureBuffer decoded(encoded.size());
    std::size_t length = 0;
    bool ok = false;
    for (const int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING}) {
        if (sodium_base642bin(decoded.data(), decoded.capacity(), encoded.data(), encoded.size(), nullptr, &length,
                              nullptr, variant) == 0) {
            ok = true;
            break;
        }
    }
    if (!ok) {
        return std::unexpected(malformed("registryCredentials[" + shown_address(url) + "] is not base64"));
    }
    decoded.resize(length);
    const std::string_view credential = decoded.text();
    const auto colon = credential.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return std::unexpected(
            malformed("registryCredentials[" + shown_address(url) + "] does not decode to user:token"));
    }
    const std::string_view username = credential.substr(0, colon);
    if (!is_usable_user_name(username)) {
        return std::unexpected(malformed("registryCredentials[" + shown_address(url) +
                                         "] has a control character, or bytes that are not UTF-8, in its user"));
    }
    snapshot.registries.push_back({snapshot.storage.keep(url), snapshot.storage.keep(username),
                                   crypto::SecretView(snapshot.storage.keep(credential.substr(colon + 1)))});
    return {};
}

}  // namespace

Result<void> parse_ignite_secrets(std::string_view text, OrgSnapshot& snapshot) {
    auto answer = parse_object(text);
    if (!answer) {
        return std::unexpected(answer.error());
    }
    if (auto shaped = check_shape(*answer, {"registryCredentials", "gitCredentials", "buildSecrets"},
                                  "the build-secrets API's answer");
        !shaped) {
        return shaped;
    }
    auto registries = string_map(*answer, "registryCredentials");
    auto build_secrets = string_map(*answer, "buildSecrets");
    for (const auto* map : {&registries, &build_secrets}) {
        if (!*map) {
            return std::unexpected(map->error());
        }
    }
    if (*registries) {
        for (const auto& [url, value] : (*registries)->items()) {
            if (auto added = add_registry(url, value.get_ref<const std::string&>(), snapshot); !added) {
                return added;
            }
        }
    }
    if (*build_secrets) {
        for (const auto& [name, value] : (*build_secrets)->items()) {
            if (!is_environment_name(name)) {
                return std::unexpected(malformed("buildSecrets has a name that is not an environment variable name"));
            }
            // A NUL ends an environment string: on Windows what follows it would become variables
            // of its own (NODE_OPTIONS=... past every refused name), on POSIX the value is cut.
            if (value.get_ref<const std::string&>().find('\0') != std::string::npos) {
                return std::unexpected(malformed("buildSecrets has a value with a NUL byte, which no environment "
                                                 "variable can hold"));
            }
            snapshot.build_secrets.push_back(
                {snapshot.storage.keep(name),
                 crypto::SecretView(snapshot.storage.keep(value.get_ref<const std::string&>()))});
        }
    }
    const auto git = answer->find("gitCredentials");
    if (git != answer->end() && !git->is_null()) {
        if (!git->is_object()) {
            return std::unexpected(malformed("gitCredentials is not an object"));
        }
        const auto username = git->find("username");
        const auto password = git->find("password");
        const bool strings = username != git->end() && username->is_string() && password != git->end() &&
                             password->is_string();
        if (!strings) {
            return std::unexpected(malformed("gitCredentials needs a username and a password, both strings"));
        }
        const auto& user = username->get_ref<const std::string&>();
        const auto& pat = password->get_ref<const std::string&>();
        // git's protocol is line-based: a newline in a value would forge attributes.
        if (!is_usable_user_name(user) || pat.empty() || has_control_characters(pat)) {
            return std::unexpected(
                malformed("gitCredentials has an empty value, a control character, or a user that is not UTF-8"));
        }
        snapshot.git = OrgGitCredential{snapshot.storage.keep(user), crypto::SecretView(snapshot.storage.keep(pat))};
    }
    return {};
}

std::string gitpod_list_request(std::string_view page_token) {
    return json{{"pagination", {{"token", page_token}, {"pageSize", kGitpodPageSize}}}}.dump();
}

Result<GitpodPage> parse_gitpod_list(std::string_view text) {
    auto answer = parse_object(text);
    if (!answer) {
        return std::unexpected(answer.error());
    }
    if (auto shaped = check_shape(*answer, {"secrets", "pagination"}, "a ListSecrets answer"); !shaped) {
        return std::unexpected(shaped.error());
    }
    GitpodPage page;
    const auto secrets = answer->find("secrets");
    if (secrets != answer->end() && !secrets->is_null()) {
        if (!secrets->is_array()) {
            return std::unexpected(malformed("secrets is not a list"));
        }
        for (const json& secret : *secrets) {
            if (!secret.is_object()) {
                return std::unexpected(malformed("a secret is not an object"));
            }
            const auto host = secret.find("containerRegistryBasicAuthHost");
            if (host == secret.end() || host->is_null() || (host->is_string() && host->get_ref<const std::string&>().empty())) {
                continue;  // not a registry credential: keyhold leaves it alone
            }
            const auto id = secret.find("id");
            if (!host->is_string() || id == secret.end() || !id->is_string()) {
                return std::unexpected(malformed("a registry secret lacks a string id or host"));
            }
            page.registry_secrets.push_back({id->get<std::string>(), host->get<std::string>()});
        }
    }
    const auto pagination = answer->find("pagination");
    if (pagination != answer->end() && pagination->is_object()) {
        const auto next = pagination->find("nextToken");
        if (next != pagination->end() && next->is_string()) {
            page.next_token = next->get<std::string>();
        }
    }
    return page;
}

std::string gitpod_value_request(std::string_view secret_id) { return json{{"secretId", secret_id}}.dump(); }

Result<void> parse_gitpod_value(std::string_view text, std::string_view registry_host, OrgSnapshot& snapshot) {
    auto answer = parse_object(text);
    if (!answer) {
        return std::unexpected(answer.error());
    }
    const auto value = answer->find("value");
    if (value == answer->end() || !value->is_string()) {
        return std::unexpected(malformed("GetSecretValue has no string value"));
    }
    const std::string& credential = value->get_ref<const std::string&>();
    const auto colon = credential.find(':');
    if (colon == std::string::npos || !is_usable_user_name(std::string_view(credential).substr(0, colon))) {
        return std::unexpected(malformed("the registry secret for " + shown_address(registry_host) +
                                         " is not username:password"));
    }
    if (!match::parse_registry_key(registry_host)) {
        return std::unexpected(malformed("containerRegistryBasicAuthHost is not a registry address"));
    }
    snapshot.registries.push_back(
        {snapshot.storage.keep(registry_host), snapshot.storage.keep(std::string_view(credential).substr(0, colon)),
         crypto::SecretView(snapshot.storage.keep(std::string_view(credential).substr(colon + 1)))});
    return {};
}

std::string org_error_message(std::string_view body, std::string_view token) {
    // A message cut mid-character, or in another encoding, is still worth showing.
    const json answer = json::parse(encoding::utf8_repaired(body), nullptr, /*allow_exceptions=*/false);
    std::string message;
    if (answer.is_object()) {
        const auto found = answer.find("message");
        if (found != answer.end() && found->is_string()) {
            message = found->get<std::string>();
        }
    }
    // with_secret_hidden() searches on after each "***": a token such as "*" inside it was found
    // again in its own blanking, forever (tests/fuzz/org_answer_fuzzer).
    return printable(encoding::with_secret_hidden(message, token), 300);
}

}  // namespace keyhold::sync
