#include "keyhold/protocol/git_helper.hpp"

#include <algorithm>
#include <deque>
#include <string>

#include "helper_support.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/match/git_key.hpp"
#include "keyhold/protocol/git_messages.hpp"
#include "keyhold/store/serving.hpp"
#include "keyhold/store/store.hpp"
#include "keyhold/store/user_changes.hpp"

namespace keyhold::protocol {
namespace {

constexpr std::string_view kUsage = "usage: git-credential-keyhold get|store|erase";
// For a person who runs it by hand: git never asks for it.
constexpr std::string_view kHelp =
    "git-credential-keyhold: git's credential helper over keyhold's encrypted store\n"
    "\n"
    "usage: git-credential-keyhold get|store|erase\n"
    "\n"
    "git runs it itself, with key=value lines on stdin (gitcredentials(7)); point git at it\n"
    "with `keyhold configure git` (credential.helper = keyhold). Try it by hand with\n"
    "  printf 'protocol=https\\nhost=git.example.com\\n\\n' | git credential fill\n"
    "KEYHOLD_DEBUG=1 says on stderr why a call found nothing. More in git-credential-keyhold(1).\n";
// Extra fields a git entry may carry beside its password.
constexpr std::string_view kRefreshToken = "oauth_refresh_token";
constexpr std::string_view kAuthtype = "authtype";
constexpr std::string_view kCredential = "credential";

// git shows a helper's stderr to the user and carries on without it: an error is one line
// there and a non-zero exit. Not found is silence and exit 0, unless KEYHOLD_DEBUG asks why.
struct Outcome {
    int exit_code = 0;
    std::string error;   // stderr, always
    std::string detail;  // why nothing was answered or kept, for KEYHOLD_DEBUG's stderr; never a secret
};

Outcome done(std::string detail = {}) { return {0, {}, std::move(detail)}; }
Outcome failure(std::string message) { return {1, std::move(message), {}}; }

constexpr std::string_view kNoTarget = "the request names no protocol and host, which match nothing (CVE-2020-11008)";

// The request's address as it may be shown: never its username, which can be a token.
std::string shown_address(const match::GitTarget& target) {
    std::string address = std::string(target.protocol) + "://" + std::string(target.host);
    if (target.path && !target.path->empty()) {
        address += "/" + std::string(*target.path);
    }
    return encoding::address_for_display(address) + (target.username ? " (with the username git sent)" : "");
}

crypto::SecretView extra(const store::Entry& entry, std::string_view name) {
    const auto found = std::find_if(entry.extras.begin(), entry.extras.end(),
                                    [&](const store::ExtraField& field) { return field.name == name; });
    return found == entry.extras.end() ? crypto::SecretView() : found->value;
}

bool is_typed(const store::Entry& entry) { return !extra(entry, kAuthtype).empty(); }

// git asks nothing of a request without both a protocol and a host (CVE-2020-11008).
std::optional<match::GitTarget> target_of(const GitRequest& request) {
    if (!request.protocol || !request.host || request.protocol->empty() || request.host->empty()) {
        return std::nullopt;
    }
    return match::GitTarget{*request.protocol, *request.host, request.path, request.username};
}

// A pre-encoded credential (authtype and credential), from a git that announced the capability.
bool carries_authtype(const GitRequest& request) {
    return request.capability_authtype && request.authtype && !request.authtype->empty() && request.credential;
}

struct ParsedRequest {
    crypto::SecureBuffer input;
    crypto::SecureArena storage;
    GitRequest request;
};

Result<ParsedRequest> read_git_request(const HelperStreams& streams) {
    ParsedRequest parsed;
    auto input = read_request(streams, kMaxGitRequestBytes);
    if (!input) {
        return std::unexpected(input.error());
    }
    parsed.input = std::move(*input);
    auto request = parse_git_request(parsed.input.text(), parsed.storage);
    if (!request) {
        return std::unexpected(request.error());
    }
    parsed.request = *request;
    return parsed;
}

Outcome get(const HelperStreams& streams, const Settings& settings) {
    auto parsed = read_git_request(streams);
    if (!parsed) {
        return failure(parsed.error().message);
    }
    const GitRequest& request = parsed->request;
    const auto target = target_of(request);
    if (!target) {
        return done(std::string(kNoTarget));
    }
    auto located = store::open_located_store(settings);
    if (!located) {
        return failure(located.error().message);
    }
    if (!located->store) {
        return done("there is no store in " + located->location.directory.string() + " yet");
    }
    const std::int64_t now = unix_now();
    const std::vector<store::Entry>& entries = located->store->entries;
    const store::ServingPolicy policy(located->location, entries, now);
    const auto servable = [&](const store::Entry& entry) {
        return policy.may_match(entry) && git_entry_answerable(entry, request, now);
    };
    const store::Entry* entry = policy.answer(match::find_git_entry(*target, entries, servable));
    if (entry == nullptr) {
        return done("no git entry in " + located->location.store_file().string() + " answers " +
                    shown_address(*target));
    }
    const crypto::SecureBuffer text = git_answer_for(*entry, request);
    if (auto written = platform::write_all(streams.out_fd, text.text()); !written) {
        return failure(written.error().message);
    }
    return done();
}

Outcome store(const HelperStreams& streams, const Settings& settings) {
    auto parsed = read_git_request(streams);
    if (!parsed) {
        return failure(parsed.error().message);
    }
    const GitRequest& request = parsed->request;
    // Like git's own helpers, an incomplete or ephemeral credential is silently not kept.
    if (auto refusal = why_not_kept(request)) {
        return done("not kept: " + *refusal);
    }
    auto location = store::locate_store(settings);
    if (!location) {
        return failure(location.error().message);
    }
    auto transaction = store::Transaction::begin(*location, store::WhenMissing::create_with_default_protector);
    if (!transaction) {
        return failure(transaction.error().message);
    }
    std::deque<std::string> storage;
    (void)put_git_credential(*transaction, request, storage, unix_now());
    if (auto committed = transaction->commit(); !committed) {
        return failure(committed.error().message);
    }
    return done();
}

Outcome erase(const HelperStreams& streams, const Settings& settings) {
    auto parsed = read_git_request(streams);
    if (!parsed) {
        return failure(parsed.error().message);
    }
    const GitRequest& request = parsed->request;
    const auto target = target_of(request);
    if (!target) {
        return done("nothing erased: " + std::string(kNoTarget));
    }
    auto location = store::locate_store(settings);
    if (!location) {
        return failure(location.error().message);
    }
    auto transaction = store::Transaction::begin_if_exists(*location);
    if (!transaction) {
        return failure(transaction.error().message);
    }
    if (!*transaction) {
        return done("nothing erased: there is no store in " + location->directory.string());
    }
    std::deque<std::string> storage;
    store::erase_for_client(
        **transaction,
        [&](const store::Entry& entry) {
            // With a password, only the entry holding that password goes (git 2.44+ semantics).
            return match::git_entry_matches(*target, entry) &&
                   (!request.password || entry.secret.same_as(*request.password));
        },
        storage, unix_now());
    if (auto committed = (*transaction)->commit(); !committed) {
        return failure(committed.error().message);
    }
    return done();
}

}  // namespace

bool git_entry_answerable(const store::Entry& entry, const GitRequest& request, std::int64_t now) {
    // As git's own fill: an expired password is no answer.
    const bool expired = entry.expires_at && *entry.expires_at < now;
    // A pre-encoded credential only for a git that said it understands one.
    const bool answerable = !is_typed(entry) || request.capability_authtype || !entry.secret.empty();
    return !expired && answerable;
}

crypto::SecureBuffer git_answer_for(const store::Entry& entry, const GitRequest& request) {
    GitAnswer answer;
    answer.username = entry.username;
    answer.password = entry.secret;
    answer.password_expiry_utc = entry.expires_at;
    answer.oauth_refresh_token = extra(entry, kRefreshToken);
    answer.authtype = extra(entry, kAuthtype).expose();
    answer.credential = extra(entry, kCredential);
    return format_git_answer(answer, request.capability_authtype);
}

std::optional<std::string> why_not_kept(const GitRequest& request) {
    const bool with_password = request.username && request.password;
    if (!target_of(request)) {
        return std::string(kNoTarget);
    }
    if (request.ephemeral) {
        return "git marked the credential ephemeral";
    }
    if (!(carries_authtype(request) || with_password)) {
        return "the credential has no username and password (nor an authtype credential)";
    }
    return std::nullopt;
}

std::optional<std::string> put_git_credential(store::Transaction& transaction, const GitRequest& request,
                                              std::deque<std::string>& storage, std::int64_t now) {
    if (auto refusal = why_not_kept(request)) {
        return refusal;
    }
    const bool typed = carries_authtype(request);
    const std::string_view path = request.path.value_or("");
    const std::string_view username = request.username.value_or("");
    const std::string& key =
        storage.emplace_back(match::git_entry_key(*request.protocol, *request.host, path, username));
    const std::string& label =
        storage.emplace_back(match::git_entry_label(*request.protocol, *request.host, path, username));

    store::Entry entry;
    entry.kind = store::EntryKind::git;
    entry.key = key;
    entry.label = label;
    entry.username = username;
    entry.secret = request.password.value_or(crypto::SecretView());
    entry.expires_at = request.password_expiry_utc;
    if (request.oauth_refresh_token) {
        entry.extras.push_back({kRefreshToken, *request.oauth_refresh_token});
    }
    if (typed) {
        entry.extras.push_back({kAuthtype, crypto::SecretView(*request.authtype)});
        entry.extras.push_back({kCredential, *request.credential});
    }
    // git stores every credential that worked, also the org's: that must not become a user copy.
    const auto same_org_credential = [&](const store::Entry& org) {
        const match::GitEntryParts parts = match::git_entry_parts(org.key);
        return match::git_entry_matches({*request.protocol, *request.host, std::nullopt, username}, org) &&
               parts.path.empty() && org.secret.same_as(request.password.value_or(crypto::SecretView()));
    };
    store::put_user_credential(transaction, std::move(entry), same_org_credential, now);
    return std::nullopt;
}

int run_git_helper(std::span<const std::string_view> args, const HelperStreams& streams, const Settings& settings) {
    if (args.size() != 2) {
        (void)platform::write_all(streams.err_fd, std::string(kUsage) + "\n");
        return 1;
    }
    const std::string_view operation = args[1];
    Outcome outcome;
    if (operation == "get") {
        outcome = get(streams, settings);
    } else if (operation == "store") {
        outcome = store(streams, settings);
    } else if (operation == "erase") {
        outcome = erase(streams, settings);
    } else if (operation == "--help" || operation == "-h") {
        return platform::write_all(streams.out_fd, kHelp) ? 0 : 1;
    } else {
        // Ignored, as gitcredentials(7) asks, so that git can add new operations.
        outcome = done("ignored the operation '" + encoding::printable(operation, 100) + "'");
    }
    // stderr only: git parses everything a helper prints on stdout as its answer.
    if (outcome.exit_code != 0) {
        (void)platform::write_all(streams.err_fd, "git-credential-keyhold: " + outcome.error + "\n");
    } else if (settings.debug && !outcome.detail.empty()) {
        (void)platform::write_all(streams.err_fd, "git-credential-keyhold: " + outcome.detail + "\n");
    }
    return outcome.exit_code;
}

}  // namespace keyhold::protocol
