// `keyhold import`: moves the plaintext credentials already on this machine into the store:
// docker's config.json and the containers tools' auth.json ("auths"), and git-credential-
// store's files. Each is stored the way its helper's `store` would, read back from the store
// as a client would be answered, and only then removed from its file (an atomic rewrite that
// keeps every other entry or line, the mode and the owner). docs/setup.md, "keyhold import".

#include <sodium.h>

#include <algorithm>
#include <deque>
#include <iostream>
#include <map>
#include <optional>

#include "client_json.hpp"
#include "commands.hpp"
#include "git_config.hpp"
#include "git_credentials_file.hpp"
#include "keyhold/clock.hpp"
#include "keyhold/match/git_key.hpp"
#include "keyhold/match/registry_key.hpp"
#include "keyhold/platform/client_file.hpp"
#include "keyhold/platform/process.hpp"
#include "keyhold/protocol/docker_helper.hpp"
#include "keyhold/protocol/git_helper.hpp"
#include "keyhold/store/serving.hpp"

namespace keyhold::cli {
namespace {

constexpr std::size_t kMaxSourceBytes = std::size_t{4} << 20;
// docker-credential-helpers' marker for an identity token (DESIGN.md "Docker protocol").
constexpr std::string_view kIdentityTokenUser = "<token>";

enum class SourceKind { docker, containers, git };

struct Source {
    SourceKind kind;
    std::filesystem::path file;
    platform::ClientFile read;
    ClientJson document;          // docker, containers
    GitCredentialsFile git_file;  // git
};

// One plaintext credential found in a source.
struct Candidate {
    std::size_t source = 0;
    std::string address;  // the auths key, or protocol://host[/path]: what the user reads
    std::string username;
    crypto::SecureBuffer secret;
    std::size_t git_credential = 0;  // index into the source's git_file.credentials
    bool verified = false;
};

std::string shown(const Candidate& candidate) {
    return candidate.address + " (user " +
           (candidate.username == kIdentityTokenUser ? std::string("<identity token>") : candidate.username) + ")";
}

std::string_view kind_name(SourceKind kind) {
    switch (kind) {
        case SourceKind::docker:
            return "docker";
        case SourceKind::containers:
            return "podman/buildah/skopeo";
        case SourceKind::git:
            return "git";
    }
    return "";
}

// base64 (RFC 4648, with padding) into secure memory; nullopt when it is not.
std::optional<crypto::SecureBuffer> base64_decode(std::string_view encoded) {
    crypto::SecureBuffer decoded(encoded.size());
    std::size_t length = 0;
    if (sodium_base642bin(decoded.data(), decoded.capacity(), encoded.data(), encoded.size(), nullptr, &length, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        return std::nullopt;
    }
    decoded.resize(length);
    return decoded;
}

std::string string_field(const ClientJson& object, const char* name) {
    const auto found = object.find(name);
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// The credentials in a docker or containers file's "auths". What cannot move is said, in one
// line each, and stays.
void registry_candidates(const Source& source, std::size_t index, std::vector<Candidate>& found) {
    const auto auths = source.document.find("auths");
    if (auths == source.document.end() || !auths->is_object()) {
        return;
    }
    const std::string where = " in " + source.file.string();
    for (const auto& [address, entry] : auths->items()) {
        if (!entry.is_object()) {
            continue;
        }
        const std::string auth = string_field(entry, "auth");
        const std::string token = string_field(entry, "identitytoken");
        const bool other_secret =
            !string_field(entry, "password").empty() || !string_field(entry, "registrytoken").empty();
        if (auth.empty() && token.empty()) {
            if (other_secret) {
                std::cout << "skipped " << address << where
                          << ": its secret is in a field keyhold does not import (password or registrytoken); "
                             "log in again with the client once it uses keyhold\n";
            }
            continue;  // {}: docker's marker for a registry whose credential is in a helper
        }
        const auto key = match::parse_registry_key(address);
        if (!key) {
            std::cout << "skipped " << address << where << ": not a registry address keyhold can store ("
                      << key.error().message << ")\n";
            continue;
        }
        if (!key->path.empty()) {
            // The containers tools ask a credential helper by host only, so keyhold could
            // never serve this one: it stays where it works (docs/setup.md).
            std::cout << "skipped " << address << where
                      << ": a credential for one namespace, which podman/buildah/skopeo never ask a credential "
                         "helper for; it stays in the file\n";
            continue;
        }
        Candidate candidate;
        candidate.source = index;
        candidate.address = address;
        if (!token.empty()) {
            // As docker-credential-helpers keep an identity token: Username "<token>", Secret the token.
            candidate.username = std::string(kIdentityTokenUser);
            candidate.secret = crypto::SecureBuffer::copy_of(token);
        } else {
            auto decoded = base64_decode(auth);
            const std::size_t colon = decoded ? decoded->text().find(':') : std::string_view::npos;
            if (!decoded || colon == std::string_view::npos || colon == 0) {
                std::cout << "skipped " << address << where
                          << ": its \"auth\" is not base64 of user:password, so the client cannot use it either\n";
                continue;
            }
            candidate.username = std::string(decoded->text().substr(0, colon));
            candidate.secret = crypto::SecureBuffer::copy_of(decoded->text().substr(colon + 1));
        }
        found.push_back(std::move(candidate));
    }
}

void git_candidates(const Source& source, std::size_t index, std::vector<Candidate>& found) {
    const auto& credentials = source.git_file.credentials;
    for (std::size_t i = 0; i < credentials.size(); ++i) {
        const StoredGitCredential& credential = credentials[i];
        Candidate candidate;
        candidate.source = index;
        candidate.address =
            credential.protocol + "://" + credential.host + (credential.path.empty() ? "" : "/" + credential.path);
        candidate.username = credential.username;
        candidate.secret = crypto::SecureBuffer::copy_of(credential.password.text());
        candidate.git_credential = i;
        found.push_back(std::move(candidate));
    }
}

// Splits a credential.helper value as the shell git runs it with would, for simple quoting.
std::vector<std::string> words(std::string_view value) {
    std::vector<std::string> split;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (const char c : value) {
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            } else {
                word += c;
            }
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == ' ' || c == '\t') {
            if (in_word) {
                split.push_back(std::move(word));
                word.clear();
                in_word = false;
            }
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) {
        split.push_back(std::move(word));
    }
    return split;
}

// The files git-credential-store reads: its defaults, and each `store --file PATH` helper's.
std::vector<std::filesystem::path> git_credential_files(const ClientConfigPaths& paths) {
    std::vector<std::filesystem::path> files = paths.git_credentials;
    if (!platform::find_on_path("git")) {
        return files;
    }
    const auto helpers = git_config_values({"--get-all", "credential.helper"});
    for (const std::string& value : helpers.value_or(std::vector<std::string>{})) {
        const std::vector<std::string> argv = words(value);
        if (argv.empty() || (argv[0] != "store" && !argv[0].ends_with("git-credential-store"))) {
            continue;
        }
        for (std::size_t i = 1; i < argv.size(); ++i) {
            std::string file;
            if (argv[i] == "--file" && i + 1 < argv.size()) {
                file = argv[++i];
            } else if (argv[i].starts_with("--file=")) {
                file = argv[i].substr(7);
            }
            if (file.starts_with("~/") && paths.home) {
                file = (*paths.home / file.substr(2)).string();
            }
            if (!file.empty()) {
                files.emplace_back(file);
            }
        }
    }
    return files;
}

void add_path(std::vector<std::pair<SourceKind, std::filesystem::path>>& paths, SourceKind kind,
              const std::optional<std::filesystem::path>& file) {
    if (!file) {
        return;
    }
    const auto normal = std::filesystem::absolute(*file).lexically_normal();
    const bool seen = std::any_of(paths.begin(), paths.end(), [&](const auto& each) { return each.second == normal; });
    if (!seen) {
        paths.emplace_back(kind, normal);
    }
}

// Every source that exists and parses; one line for each that does not parse.
std::vector<Source> read_sources(const ClientConfigPaths& paths, std::size_t& unreadable) {
    std::vector<std::pair<SourceKind, std::filesystem::path>> files;
    add_path(files, SourceKind::docker, paths.docker_config);
    if (paths.containers_auth_override) {
        add_path(files, SourceKind::containers, paths.containers_auth_override);
    } else {
        add_path(files, SourceKind::containers, paths.containers_auth_primary);
        add_path(files, SourceKind::containers, paths.containers_auth_persistent);
    }
    for (const auto& file : git_credential_files(paths)) {
        add_path(files, SourceKind::git, file);
    }
    std::vector<Source> sources;
    for (const auto& [kind, file] : files) {
        auto read = platform::read_client_file(file, kMaxSourceBytes);
        if (!read) {
            std::cout << "skipped " << file.string() << ": " << read.error().message << '\n';
            ++unreadable;
            continue;
        }
        if (!*read) {
            continue;
        }
        Source source{kind, file, std::move(**read), {}, {}};
        if (kind == SourceKind::git) {
            source.git_file = parse_git_credentials(source.read.bytes);
        } else {
            auto document = parse_client_json(source.read.bytes, file);
            if (!document) {
                std::cout << "skipped " << document.error().message << '\n';
                ++unreadable;
                continue;
            }
            source.document = std::move(*document);
        }
        sources.push_back(std::move(source));
    }
    return sources;
}

// Puts every candidate in one transaction, as the helpers' `store` would.
Result<void> store_all(const store::StoreLocation& location, const std::vector<Source>& sources,
                       const std::vector<Candidate>& candidates) {
    auto transaction = store::Transaction::begin(location, store::WhenMissing::create_with_default_protector);
    if (!transaction) {
        return std::unexpected(transaction.error());
    }
    std::deque<std::string> storage;
    std::deque<crypto::SecureArena> arenas;
    const std::int64_t now = unix_now();
    for (const Candidate& candidate : candidates) {
        const Source& source = sources[candidate.source];
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

// Removes the verified candidates from their source, in one atomic rewrite.
Result<std::size_t> remove_from_source(Source& source, std::size_t index, const std::vector<Candidate>& candidates) {
    std::size_t removed = 0;
    std::string text;
    if (source.kind == SourceKind::git) {
        std::set<std::size_t> lines;
        for (const Candidate& candidate : candidates) {
            if (candidate.source == index && candidate.verified) {
                lines.insert(source.git_file.credentials[candidate.git_credential].line);
                ++removed;
            }
        }
        text = without_lines(source.read.bytes, lines);
    } else {
        ClientJson& auths = source.document["auths"];
        for (const Candidate& candidate : candidates) {
            if (candidate.source != index || !candidate.verified) {
                continue;
            }
            ClientJson& entry = auths[candidate.address];
            entry.erase("auth");
            entry.erase("identitytoken");
            if (entry.empty()) {
                auths.erase(candidate.address);
            }
            ++removed;
        }
        text = dump_like(source.document, source.read.bytes);
    }
    if (removed == 0) {
        return removed;
    }
    if (auto written = platform::rewrite_client_file(source.file, text, source.read); !written) {
        return std::unexpected(written.error());
    }
    return removed;
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

// What to run next so that each client asks keyhold for what was imported from it.
void suggest_configuration(const std::vector<Source>& sources, const std::vector<Candidate>& candidates) {
    std::set<SourceKind> moved;
    bool docker_elsewhere = false;
    for (const Candidate& candidate : candidates) {
        if (!candidate.verified) {
            continue;
        }
        const Source& source = sources[candidate.source];
        moved.insert(source.kind);
        if (source.kind == SourceKind::docker && !docker_asks_keyhold(source.document, candidate.address)) {
            docker_elsewhere = true;
        }
    }
    if (docker_elsewhere) {
        std::cout << "next: run `keyhold configure docker`, so that docker asks keyhold for these (its config.json "
                     "does not send them to keyhold yet)\n";
    }
    if (moved.contains(SourceKind::containers)) {
        std::cout << "next: run `keyhold configure containers`, if you have not, so that podman, buildah and skopeo "
                     "ask keyhold for these\n";
    }
    if (moved.contains(SourceKind::git)) {
        const auto helpers = git_config_values({"--get-all", "credential.helper"});
        const auto values = helpers.value_or(std::vector<std::string>{});
        if (std::find(values.begin(), values.end(), "keyhold") == values.end()) {
            std::cout << "next: run `keyhold configure git`, so that git asks keyhold for these\n";
        }
    }
}

}  // namespace

Result<void> run_import(const ImportOptions& options, const Settings& settings) {
    std::size_t unreadable = 0;
    std::vector<Source> sources = read_sources(settings.client_config, unreadable);
    std::vector<Candidate> candidates;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        if (sources[i].kind == SourceKind::git) {
            git_candidates(sources[i], i, candidates);
        } else {
            registry_candidates(sources[i], i, candidates);
        }
    }
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
        return {};
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
    std::size_t moved = 0;
    std::size_t left = 0;
    std::optional<Error> first_error;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        auto removed = remove_from_source(sources[i], i, candidates);
        for (const Candidate& candidate : candidates) {
            if (candidate.source != i) {
                continue;
            }
            const std::string what = std::string(kind_name(sources[i].kind)) + " " + shown(candidate);
            if (!candidate.verified) {
                ++left;
                std::cout << "kept " << what << " in " << sources[i].file.string()
                          << ": the store does not answer it back (another file's credential for the same "
                             "address won?); it stays there\n";
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
    suggest_configuration(sources, candidates);
    if (first_error) {
        return fail("the store holds the credentials, but some were not removed from their files: " +
                    first_error->message);
    }
    if (unreadable > 0) {
        return fail("some files could not be read and were left as they are (see above)");
    }
    return {};
}

}  // namespace keyhold::cli
