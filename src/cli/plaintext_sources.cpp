#include "plaintext_sources.hpp"

#include <sodium.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <set>
#include <utility>

#include "git_config.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/match/registry_key.hpp"
#include "keyhold/platform/process.hpp"

namespace keyhold::cli {
namespace {

constexpr std::size_t kMaxSourceBytes = std::size_t{4} << 20;

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

// The credentials in a docker or containers file's "auths". What cannot move is said, in one
// line each, and stays.
void registry_candidates(const Source& source, std::size_t index, std::vector<Candidate>& found) {
    const auto auths = source.document.find("auths");
    if (auths == source.document.end() || !auths->is_object()) {
        return;
    }
    const std::string where = " in " + source.file.string();
    for (const auto& [address, entry] : auths->items()) {
        const std::string shown_address = encoding::address_for_display(address);
        if (!entry.is_object()) {
            continue;
        }
        const std::string auth = string_field(entry, "auth");
        const std::string token = string_field(entry, "identitytoken");
        const bool other_secret =
            !string_field(entry, "password").empty() || !string_field(entry, "registrytoken").empty();
        if (auth.empty() && token.empty()) {
            if (other_secret) {
                std::cout << "skipped " << shown_address << where
                          << ": its secret is in a field keyhold does not import (password or registrytoken); "
                             "log in again with the client once it uses keyhold\n";
            }
            continue;  // {}: docker's marker for a registry whose credential is in a helper
        }
        const auto key = match::parse_registry_key(address);
        if (!key) {
            std::cout << "skipped " << shown_address << where << ": not a registry address keyhold can store ("
                      << key.error().message << ")\n";
            continue;
        }
        if (!key->path.empty()) {
            // The containers tools ask a credential helper by host only, so keyhold could
            // never serve this one: it stays where it works (docs/setup.md).
            std::cout << "skipped " << shown_address << where
                      << ": a credential for one namespace, which podman/buildah/skopeo never ask a credential "
                         "helper for; it stays in the file\n";
            continue;
        }
        if (!token.empty() && !auth.empty()) {
            // docker writes "user:" beside a token; a password there would be lost with the
            // `auth` field when only the token moved, and keyhold keeps one credential per address.
            auto decoded = base64_decode(auth);
            const std::size_t colon = decoded ? decoded->text().find(':') : std::string_view::npos;
            if (!decoded || colon == std::string_view::npos || colon + 1 != decoded->text().size()) {
                std::cout << "skipped " << shown_address << where
                          << ": it holds both an identity token and a password in \"auth\"; remove the one the "
                             "client does not use, then import again\n";
                continue;
            }
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
                std::cout << "skipped " << shown_address << where
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
        if (!is_git_store_helper(value)) {
            continue;
        }
        const std::vector<std::string> argv = words(value);
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

}  // namespace

bool is_git_store_helper(std::string_view value) {
    const std::vector<std::string> argv = words(value);
    return !argv.empty() && (argv[0] == "store" || argv[0] == "git-credential-store" ||
                             argv[0].ends_with("/git-credential-store"));
}

std::string shown(const Candidate& candidate) {
    // Both came from a file anyone may have written: shown as one printable line, an address
    // without any user information in it.
    return encoding::address_for_display(candidate.address) + " (user " +
           (candidate.username == kIdentityTokenUser ? std::string("<identity token>")
                                                     : encoding::printable(candidate.username, 100)) +
           ")";
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

std::string string_field(const ClientJson& object, const char* name) {
    const auto found = object.find(name);
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

PlaintextFound find_plaintext(const ClientConfigPaths& paths) {
    PlaintextFound found;
    found.sources = read_sources(paths, found.unreadable);
    for (std::size_t i = 0; i < found.sources.size(); ++i) {
        if (found.sources[i].kind == SourceKind::git) {
            git_candidates(found.sources[i], i, found.candidates);
        } else {
            registry_candidates(found.sources[i], i, found.candidates);
        }
    }
    return found;
}

// Removes the verified candidates from their source, in one atomic rewrite.
Result<std::size_t> remove_verified(Source& source, std::size_t index, const std::vector<Candidate>& candidates) {
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

}  // namespace keyhold::cli
