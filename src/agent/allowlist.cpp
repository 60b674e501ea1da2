#include "allowlist.hpp"

#include "keyhold/encoding/display_text.hpp"

namespace keyhold::agent {
namespace {

// Stands for an allowlist entry where match/ expects a stored one: an org's entry, which
// git_entry_matches takes as host-wide (the path is checked here, on whole segments).
constexpr std::string_view kAllowlistOrigin = "keyhold agent --allow";

bool under_path(std::string_view path, std::string_view allowed) {
    while (path.starts_with('/')) {
        path.remove_prefix(1);
    }
    return path.starts_with(allowed) && (path.size() == allowed.size() || path[allowed.size()] == '/');
}

}  // namespace

Result<Allowlist> Allowlist::parse(std::span<const std::string> entries) {
    if (entries.empty()) {
        return fail("keyhold agent needs at least one --allow HOST[:PORT][/PATH]: it serves nothing else");
    }
    Allowlist allowlist;
    for (const std::string& text : entries) {
        const auto refused = [&](std::string_view why) {
            return fail("--allow '" + encoding::printable(text, 100) + "' " + std::string(why) +
                        "; write HOST[:PORT][/PATH], e.g. registry.example.com or git.example.com/team");
        };
        if (text.empty() || text.find("://") != std::string::npos) {
            return refused("is empty or has a scheme");
        }
        if (encoding::has_control_characters(text) || text.find_first_of(" \t@?#\\") != std::string::npos) {
            return refused("holds whitespace, a control character, '@', '?', '#' or '\\'");
        }
        std::string_view trimmed = text;
        while (trimmed.ends_with('/')) {
            trimmed.remove_suffix(1);
        }
        const std::size_t slash = trimmed.find('/');
        const std::string_view host = trimmed.substr(0, slash);
        const std::string_view path = slash == std::string_view::npos ? std::string_view() : trimmed.substr(slash + 1);
        if (host.empty() || trimmed.find("//") != std::string_view::npos) {
            return refused("has no host or an empty path segment");
        }
        auto registry = match::parse_registry_key(trimmed);
        if (!registry) {
            return refused("is no registry address (" + registry.error().message + ")");
        }
        allowlist.allowed_.push_back(
            {registry->canonical(), match::git_entry_key("https", host, "", ""), std::string(path)});
    }
    return allowlist;
}

bool Allowlist::allows_registry(const match::RegistryKey& request) const {
    const std::string canonical = request.canonical();
    for (const Allowed& allowed : allowed_) {
        store::Entry entry;
        entry.kind = store::EntryKind::registry;
        entry.key = allowed.registry_key;
        entry.origin = kAllowlistOrigin;
        if (match::registry_entry_matches(request, canonical, entry)) {
            return true;
        }
    }
    return false;
}

bool Allowlist::allows_git(const match::GitTarget& request) const {
    // https only: the org's git credentials are served only over https, and a token sent over
    // plain http to a host in the allowlist would travel in the clear.
    const match::GitTarget host_only{request.protocol, request.host, std::nullopt, std::nullopt};
    for (const Allowed& allowed : allowed_) {
        store::Entry entry;
        entry.kind = store::EntryKind::git;
        entry.key = allowed.git_key;
        entry.origin = kAllowlistOrigin;
        if (!match::git_entry_matches(host_only, entry)) {
            continue;
        }
        if (allowed.git_path.empty() || (request.path && under_path(*request.path, allowed.git_path))) {
            return true;
        }
    }
    return false;
}

bool Allowlist::lists(const store::Entry& registry_entry) const {
    auto key = match::parse_registry_key(registry_entry.key);
    return key && allows_registry(*key);
}

}  // namespace keyhold::agent
