#include "serve.hpp"

#include <algorithm>
#include <vector>

#include "keyhold/clock.hpp"
#include "keyhold/crypto/secure_arena.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/protocol/docker_helper.hpp"
#include "keyhold/protocol/docker_messages.hpp"
#include "keyhold/protocol/git_helper.hpp"
#include "keyhold/protocol/git_messages.hpp"
#include "keyhold/store/serving.hpp"

namespace keyhold::agent {
namespace {

constexpr std::size_t kShownCharacters = 200;

std::string line(std::string_view text) { return std::string(text) + "\n"; }

// An error as each helper reports it: docker's on stdout (where its clients read errors),
// git's on stderr (git takes stdout for the answer). Exit 1, as the helpers' own errors.
Served error_answer(Protocol protocol, std::string_view message, std::string asked, std::string outcome) {
    const std::string text = line(message);
    return {protocol == Protocol::docker ? format_answer(1, text, {})
                                         : format_answer(1, {}, "git-credential-keyhold: " + text),
            std::move(asked), std::move(outcome)};
}

Served docker_not_found(std::string asked, std::string outcome) {
    return {format_answer(1, line(protocol::kCredentialsNotFound), {}), std::move(asked), std::move(outcome)};
}

// What a git request asks for, as the log shows it: protocol://host/path, never the username
// (it can be a token) nor anything else git sent.
std::string shown_git_address(const protocol::GitRequest& request) {
    if (!request.protocol || !request.host) {
        return "-";
    }
    std::string address = std::string(*request.protocol) + "://" + std::string(*request.host);
    if (request.path && !request.path->empty()) {
        address += "/" + std::string(*request.path);
    }
    return encoding::address_for_display(address, kShownCharacters);
}

// What `request` asks for, as the log shows it; "-" when it names nothing.
std::string shown_request(const Request& request) {
    if (request.header.protocol == Protocol::docker) {
        const std::string_view server_url = protocol::server_url_of_request(request.body);
        return request.header.verb == "list" || server_url.empty()
                   ? "-"
                   : encoding::address_for_display(server_url, kShownCharacters);
    }
    crypto::SecureArena storage;
    auto parsed = protocol::parse_git_request(request.body, storage);
    return parsed ? shown_git_address(*parsed) : "-";
}

Served docker_get(const Request& request, const Allowlist& allowlist, HeldStore& held) {
    const std::string_view server_url = protocol::server_url_of_request(request.body);
    std::string asked = encoding::address_for_display(server_url, kShownCharacters);
    if (server_url.empty()) {
        return {format_answer(1, line(protocol::kMissingServerUrl), {}), std::move(asked), "refused: no server URL"};
    }
    auto key = match::parse_registry_key(server_url);
    if (!key) {
        return docker_not_found(std::move(asked), "not found: not a registry address");
    }
    // Outside the allowlist the answer is the helper's own "not found", so that a container
    // cannot tell which registries the store holds; the log says why.
    if (!allowlist.allows_registry(*key)) {
        return docker_not_found(std::move(asked), "refused: not in the allowlist");
    }
    auto opened = held.read();
    if (!opened) {
        return error_answer(Protocol::docker, opened.error().message, std::move(asked),
                            "failed: " + opened.error().message);
    }
    const store::ServingPolicy policy(held.location(), opened->entries, unix_now());
    const store::Entry* entry = policy.answer(match::find_registry_entry(
        *key, opened->entries, [&](const store::Entry& each) { return policy.may_match(each); }));
    if (entry == nullptr) {
        return docker_not_found(std::move(asked), "not found");
    }
    const crypto::SecureBuffer text = protocol::format_get_response({server_url, entry->username, entry->secret});
    return {format_answer(0, text.text(), {}), std::move(asked), "served"};
}

Served docker_list(const Allowlist& allowlist, HeldStore& held) {
    auto opened = held.read();
    if (!opened) {
        return error_answer(Protocol::docker, opened.error().message, "-", "failed: " + opened.error().message);
    }
    const store::ServingPolicy policy(held.location(), opened->entries, unix_now());
    std::vector<protocol::ListedAccount> accounts;
    for (const store::Entry* entry : policy.served(store::EntryKind::registry)) {
        if (allowlist.lists(*entry)) {
            accounts.push_back({entry->label, entry->username});
        }
    }
    return {format_answer(0, protocol::format_list_response(accounts), {}), "-",
            "served " + std::to_string(accounts.size()) + " allowed entries"};
}

Served git_get(const Request& request, const Allowlist& allowlist, HeldStore& held) {
    crypto::SecureArena storage;
    auto parsed = protocol::parse_git_request(request.body, storage);
    if (!parsed) {
        return error_answer(Protocol::git, parsed.error().message, "-", "refused: " + parsed.error().message);
    }
    if (!parsed->protocol || !parsed->host || parsed->protocol->empty() || parsed->host->empty()) {
        return {format_answer(0, {}, {}), "-", "not found: no protocol and host"};
    }
    const match::GitTarget target{*parsed->protocol, *parsed->host, parsed->path, parsed->username};
    std::string asked = shown_git_address(*parsed);
    // Not found for git is silence and exit 0, and so is a refusal: git goes on to its next
    // helper or prompt, as it would without an answer.
    if (!allowlist.allows_git(target)) {
        return {format_answer(0, {}, {}), std::move(asked), "refused: not in the allowlist"};
    }
    auto opened = held.read();
    if (!opened) {
        return error_answer(Protocol::git, opened.error().message, std::move(asked),
                            "failed: " + opened.error().message);
    }
    const std::int64_t now = unix_now();
    const store::ServingPolicy policy(held.location(), opened->entries, now);
    const store::Entry* entry =
        policy.answer(match::find_git_entry(target, opened->entries, [&](const store::Entry& each) {
            return policy.may_match(each) && protocol::git_entry_answerable(each, *parsed, now);
        }));
    if (entry == nullptr) {
        return {format_answer(0, {}, {}), std::move(asked), "not found"};
    }
    const crypto::SecureBuffer text = protocol::git_answer_for(*entry, *parsed);
    return {format_answer(0, text.text(), {}), std::move(asked), "served"};
}

}  // namespace

Result<store::OpenStore> HeldStore::read() {
    auto opened = store::reopen_store(location_, data_key_, newest_generation_.load());
    if (opened) {
        // Only grows: a later read of an older file is a rollback.
        std::uint64_t seen = newest_generation_.load();
        while (seen < opened->header.generation &&
               !newest_generation_.compare_exchange_weak(seen, opened->header.generation)) {
        }
    }
    return opened;
}

Served serve(const Request& request, const Allowlist& allowlist, HeldStore& held) {
    const std::string_view verb = request.header.verb;
    if (request.header.protocol == Protocol::docker) {
        if (verb == "get") {
            return docker_get(request, allowlist, held);
        }
        if (verb == "list") {
            return docker_list(allowlist, held);
        }
        if (verb == "store" || verb == "erase") {
            return error_answer(Protocol::docker,
                                "keyhold agent: " + std::string(verb) +
                                    " is refused: an agent serves get and list only; change credentials where the "
                                    "store is, with keyhold or docker login there",
                                shown_request(request), "refused: " + std::string(verb) + " is never served");
        }
        return error_answer(Protocol::docker, "keyhold agent: unknown verb '" + std::string(verb) + "'", "-",
                            "refused: unknown verb");
    }
    if (verb == "get") {
        return git_get(request, allowlist, held);
    }
    // git runs store or erase after every credential that worked or failed: a refusal that
    // printed something would show on every fetch. Silence and exit 0, as git's own helpers
    // answer what they ignore; the log says it was refused.
    return {format_answer(0, {}, {}), shown_request(request),
            verb == "store" || verb == "erase" ? "refused: " + std::string(verb) + " is never served"
                                               : "refused: unknown operation"};
}

Served refuse_peer(const Request& request, std::uint32_t uid) {
    return error_answer(request.header.protocol,
                        "keyhold agent: refused: uid " + std::to_string(uid) +
                            " may not use this agent (it serves its own user and those of --allow-uid)",
                        shown_request(request), "refused: uid " + std::to_string(uid) + " is not allowed");
}

}  // namespace keyhold::agent
