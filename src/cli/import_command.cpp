// `keyhold import`: moves the plaintext credentials already on this machine into the store:
// docker's config.json and the containers tools' auth.json ("auths"), and git-credential-
// store's files. Each is stored the way its helper's `store` would, read back from the store
// as a client would be answered, and only then removed from its file (an atomic rewrite that
// keeps every other entry or line, the mode and the owner). docs/setup.md, "keyhold import".

#include <algorithm>
#include <deque>
#include <iostream>
#include <optional>
#include <set>

#include "client_json.hpp"
#include "configured_clients.hpp"
#include "commands.hpp"
#include "git_config.hpp"
#include "keyhold/clock.hpp"
#include "keyhold/match/git_key.hpp"
#include "keyhold/match/registry_key.hpp"
#include "keyhold/platform/client_file.hpp"
#include "keyhold/protocol/docker_helper.hpp"
#include "keyhold/protocol/git_helper.hpp"
#include "keyhold/store/org_sources.hpp"
#include "keyhold/store/serving.hpp"
#include "plaintext_sources.hpp"

namespace keyhold::cli {
namespace {

constexpr std::size_t kMaxSourceFileBytes = std::size_t{4} << 20;  // as plaintext_sources.cpp reads them

// Whether the store already holds a credential of the user's own for the candidate's key that
// differs from it: one stored by a login through keyhold since, newer than the file's. It is
// not replaced (it would be lost); the candidate then does not read back, so it stays in its file.
bool store_holds_another(const store::Transaction& transaction, const Source& source, const Candidate& candidate) {
    std::string key;
    store::EntryKind kind = store::EntryKind::registry;
    if (source.kind == SourceKind::git) {
        const StoredGitCredential& credential = source.git_file.credentials[candidate.git_credential];
        key = match::git_entry_key(credential.protocol, credential.host, credential.path, credential.username);
        kind = store::EntryKind::git;
    } else if (auto parsed = match::parse_registry_key(candidate.address)) {
        key = parsed->canonical();
    } else {
        return false;
    }
    return std::any_of(transaction.entries().begin(), transaction.entries().end(), [&](const store::Entry& entry) {
        return entry.from_user() && !store::is_tombstone(entry) && entry.kind == kind && entry.key == key &&
               !(entry.username == candidate.username &&
                 entry.secret.same_as(crypto::SecretView(candidate.secret.text())));
    });
}

// Puts every candidate in one transaction, as the helpers' `store` would.
Result<void> store_all(const store::StoreLocation& location, const std::vector<Source>& sources,
                       const std::vector<Candidate>& candidates) {
    auto transaction = store::Transaction::begin(location, store::WhenMissing::create_with_default_protector);
    if (!transaction) {
        return std::unexpected(transaction.error());
    }
    std::deque<std::string> storage;
    const std::int64_t now = unix_now();
    for (const Candidate& candidate : candidates) {
        const Source& source = sources[candidate.source];
        if (store_holds_another(*transaction, source, candidate)) {
            continue;
        }
        if (source.kind == SourceKind::git) {
            const StoredGitCredential& credential = source.git_file.credentials[candidate.git_credential];
            protocol::GitRequest request;
            request.protocol = credential.protocol;
            request.host = credential.host;
            if (!credential.path.empty()) {
                request.path = credential.path;
            }
            request.username = credential.username;
            request.password = crypto::SecretView(credential.password.text());
            if (auto refusal = protocol::put_git_credential(*transaction, request, storage, now)) {
                std::cout << "skipped " << shown(candidate) << " in " << source.file.string() << ": " << *refusal
                          << '\n';
            }
        } else if (auto put =
                       protocol::put_registry_credential(*transaction, candidate.address, candidate.username,
                                                         crypto::SecretView(candidate.secret.text()), storage, now);
                   !put) {
            std::cout << "skipped " << shown(candidate) << " in " << source.file.string() << ": " << put.error().message
                      << '\n';
        }
    }
    return transaction->commit();
}

// Reads each candidate back from the store as its client would be answered.
Result<void> verify_all(const Settings& settings, const std::vector<Source>& sources,
                        std::vector<Candidate>& candidates) {
    auto located = store::open_located_store(settings);
    if (!located) {
        return std::unexpected(located.error());
    }
    if (!located->store) {
        return fail("the store disappeared after the import was written");
    }
    const std::vector<store::Entry>& entries = located->store->entries;
    const store::ServingPolicy policy(located->location, entries, unix_now());
    const auto may_match = [&](const store::Entry& entry) { return policy.may_match(entry); };
    for (Candidate& candidate : candidates) {
        const Source& source = sources[candidate.source];
        const store::Entry* answer = nullptr;
        if (source.kind == SourceKind::git) {
            const StoredGitCredential& credential = source.git_file.credentials[candidate.git_credential];
            const match::GitTarget target{
                credential.protocol, credential.host,
                credential.path.empty() ? std::nullopt : std::optional<std::string_view>(credential.path),
                std::string_view(credential.username)};
            answer = policy.answer(match::find_git_entry(target, entries, may_match));
        } else if (auto key = match::parse_registry_key(candidate.address)) {
            answer = policy.answer(match::find_registry_entry(*key, entries, may_match));
        }
        candidate.verified = answer != nullptr && answer->username == candidate.username &&
                             answer->secret.same_as(crypto::SecretView(candidate.secret.text()));
    }
    return {};
}

// Whether docker asks keyhold for `address`: credsStore, or a credHelpers entry for it.
bool docker_asks_keyhold(const ClientJson& config, const std::string& address) {
    const auto helpers = config.find("credHelpers");
    if (helpers != config.end() && helpers->is_object() && helpers->contains(address)) {
        const ClientJson& helper = (*helpers)[address];
        return helper.is_string() && helper.get<std::string>() == kKeyholdHelper;
    }
    return string_field(config, "credsStore") == kKeyholdHelper;
}

// A moved credential must still reach its client, or the import would have broken what worked:
// each client whose credentials moved, and that does not ask keyhold for them yet, is pointed at
// keyhold as `keyhold configure CLIENT` would (recorded, so that its --undo takes it back).
// docker gets credHelpers entries for the moved registries only: a credsStore it has for the
// others (desktop, pass) stays theirs. The containers tools' file follows the store afterwards,
// as after a sync; git gets credential.helper = keyhold in place of its `store` helper.
Result<void> point_clients_at_keyhold(const std::vector<Source>& sources, const std::vector<Candidate>& candidates,
                                      const store::StoreLocation& location, const Settings& settings) {
    std::set<std::string> docker_registries;
    bool containers_moved = false;
    for (const Candidate& candidate : candidates) {
        if (!candidate.verified) {
            continue;
        }
        const Source& source = sources[candidate.source];
        switch (source.kind) {
            case SourceKind::docker:
                if (!docker_asks_keyhold(source.document, candidate.address)) {
                    docker_registries.insert(candidate.address);
                }
                break;
            case SourceKind::containers:
                containers_moved = true;
                break;
            case SourceKind::git:
                break;  // pointed before anything was removed (run_import)
        }
    }
    std::optional<Error> first_error;
    const auto note = [&](Result<void> done) {
        if (!done && !first_error) {
            first_error = done.error();
        }
    };
    if (!docker_registries.empty()) {
        note(run_configure_docker(ConfigureOptions{{docker_registries.begin(), docker_registries.end()}, false},
                                  settings));
    }
    // The auth file the containers tools read now (REGISTRY_AUTH_FILE, ...): is it following?
    auto clients = read_configured_clients(location);
    const auto in_use = settings.client_config.containers_auth();
    bool in_use_follows = false;
    if (clients && in_use) {
        const auto found = clients->files.find(in_use->string());
        in_use_follows = found != clients->files.end() && found->second.follow_store;
    }
    if (containers_moved && clients && in_use && !in_use_follows) {
        note(run_configure_containers(ConfigureOptions{}, settings));
    }
    note(follow_served_registries(location));  // new registries in every file that follows, as after a sync
    if (first_error) {
        return std::unexpected(*first_error);
    }
    return {};
}

// Whether a verified credential of `kind` moved.
bool any_verified(const std::vector<Source>& sources, const std::vector<Candidate>& candidates, SourceKind kind) {
    return std::any_of(candidates.begin(), candidates.end(), [&](const Candidate& candidate) {
        return candidate.verified && sources[candidate.source].kind == kind;
    });
}

// Why the containers tools' auth file could not be pointed at keyhold (configure containers
// would refuse it), checked before their credentials leave their files: once removed, they
// would reach podman neither from the file nor through keyhold.
std::optional<Error> containers_file_unusable(const Settings& settings) {
    const auto file = settings.client_config.containers_auth();
    if (!file) {
        return Error{"cannot find the containers tools' auth.json: set REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR or HOME"};
    }
    auto read = platform::read_client_file(*file, kMaxSourceFileBytes);
    if (!read) {
        return read.error();
    }
    auto document = parse_client_json(*read ? std::string_view((*read)->bytes) : std::string_view(), *file);
    if (!document) {
        return document.error();
    }
    if (const auto helpers = document->find("credHelpers"); helpers != document->end() && !helpers->is_object()) {
        return Error{file->string() + ": \"credHelpers\" is not a JSON object"};
    }
    return std::nullopt;
}

}  // namespace

Result<void> run_import(const ImportOptions& options, const Settings& settings) {
    PlaintextFound found = find_plaintext(settings.client_config);
    std::vector<Source>& sources = found.sources;
    std::vector<Candidate>& candidates = found.candidates;
    const std::size_t unreadable = found.unreadable;
    if (candidates.empty()) {
        std::cout << "nothing to import: no plaintext credentials keyhold can move were found\n";
        return unreadable == 0 ? Result<void>() : fail("some files could not be read (see above)");
    }
    if (options.dry_run) {
        for (const Candidate& candidate : candidates) {
            const Source& source = sources[candidate.source];
            std::cout << "would import " << kind_name(source.kind) << " " << shown(candidate) << " from "
                      << source.file.string() << '\n';
        }
        std::cout << candidates.size() << (candidates.size() == 1 ? " credential" : " credentials")
                  << " would move into the store; nothing was changed (dry run)\n";
        return unreadable == 0 ? Result<void>() : fail("some files could not be read (see above)");
    }
    auto location = store::locate_store(settings);
    if (!location) {
        return fail(location.error().message + "; nothing was imported or removed");
    }
    if (auto stored = store_all(*location, sources, candidates); !stored) {
        return fail("cannot write the store, so nothing was removed from any file: " + stored.error().message);
    }
    if (auto verified = verify_all(settings, sources, candidates); !verified) {
        return fail("cannot read the store back, so nothing was removed from any file: " + verified.error().message);
    }
    // A client that cannot be pointed at keyhold keeps its plaintext: removed, it would be lost
    // to that client. git is pointed first (its configuration is no source file); the containers
    // tools' file is checked, and edited with docker's after the removal.
    std::optional<Error> git_unpointed;
    if (any_verified(sources, candidates, SourceKind::git)) {
        // Left in place, `store` would write back to its file every password git then uses.
        auto pointed = remove_git_store_helpers();
        if (pointed) {
            pointed = run_configure_git(false);  // says so when git already asks keyhold
        }
        if (!pointed) {
            git_unpointed = pointed.error();
        }
    }
    std::optional<Error> containers_unpointed;
    if (any_verified(sources, candidates, SourceKind::containers)) {
        containers_unpointed = containers_file_unusable(settings);
    }
    std::size_t moved = 0;
    std::size_t left = 0;
    std::optional<Error> first_error;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        const std::optional<Error>& unpointed = sources[i].kind == SourceKind::git          ? git_unpointed
                                                : sources[i].kind == SourceKind::containers ? containers_unpointed
                                                                                            : std::nullopt;
        const bool source_moved = std::any_of(candidates.begin(), candidates.end(), [&](const Candidate& candidate) {
            return candidate.source == i && candidate.verified;
        });
        auto removed = unpointed && source_moved ? Result<std::size_t>(std::unexpected(Error{
                                       std::string(kind_name(sources[i].kind)) +
                                       " cannot be pointed at keyhold, so its credentials stay in " +
                                       sources[i].file.string() + ": " + unpointed->message}))
                                 : remove_verified(sources[i], i, candidates);
        for (const Candidate& candidate : candidates) {
            if (candidate.source != i) {
                continue;
            }
            const std::string what = std::string(kind_name(sources[i].kind)) + " " + shown(candidate);
            if (!candidate.verified) {
                ++left;
                std::cout << "kept " << what << " in " << sources[i].file.string()
                          << ": the store answers this address with another credential (one it already held, "
                             "or a later file's); it stays there\n";
            } else if (!removed) {
                ++left;
                std::cout << "imported " << what << ", but it is still in " << sources[i].file.string() << '\n';
            } else {
                ++moved;
                std::cout << "imported " << what << " and removed it from " << sources[i].file.string() << '\n';
            }
        }
        if (!removed) {
            std::cout << "keyhold: " << removed.error().message << '\n';
            first_error = first_error.value_or(removed.error());
        }
    }
    std::cout << moved << (moved == 1 ? " credential" : " credentials") << " moved into the store";
    if (left > 0) {
        std::cout << ", " << left << " left where they were (see above)";
    }
    std::cout << '\n';
    const auto pointed = point_clients_at_keyhold(sources, candidates, *location, settings);
    if (first_error) {
        return fail("the store holds the credentials, but some were not removed from their files: " +
                    first_error->message);
    }
    if (!pointed) {
        return fail("the store holds the credentials, but a client could not be pointed at keyhold for them: " +
                    pointed.error().message);
    }
    if (unreadable > 0) {
        return fail("some files could not be read and were left as they are (see above)");
    }
    return {};
}

}  // namespace keyhold::cli
