// `keyhold source add|list|remove`: the org connections `keyhold sync` pulls from. A source's
// API token is kept in the encrypted store, read from stdin or a prompt, never from argv.


#include <algorithm>
#include <chrono>
#include <deque>
#include <iostream>

#include "keyhold/clock.hpp"
#include "commands.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "duration.hpp"
#include "keyhold/platform/files.hpp"
#include "keyhold/platform/process.hpp"
#include "keyhold/store/org_sources.hpp"
#include "keyhold/store/store.hpp"
#include "keyhold/store/sync_state.hpp"
#include "keyhold/sync/http_client.hpp"

namespace keyhold::cli {
namespace {

constexpr std::size_t kMaxTokenBytes = 64 * 1024;

bool valid_source_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && name != store::kUserOrigin && std::isalnum(static_cast<unsigned char>(name[0])) &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
           });
}

bool valid_git_host(std::string_view host) {
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':';
    });
}

// The token: piped on stdin, or typed at the terminal without echo.
Result<crypto::SecureBuffer> read_token(std::string_view name) {
    auto token = platform::is_terminal(platform::kStandardInput) ? platform::prompt_for_secret("API token for source " + std::string(name) + ": ")
                                        : platform::read_all(platform::kStandardInput, kMaxTokenBytes);
    if (!token) {
        return fail("cannot read the API token for source " + std::string(name) + " (stdin, at most 64 KiB): " +
                    token.error().message);
    }
    std::size_t length = token->size();
    while (length > 0 && (token->data()[length - 1] == '\n' || token->data()[length - 1] == '\r')) {
        --length;
    }
    token->resize(length);
    if (token->empty()) {
        return fail("the API token for source " + std::string(name) + " is empty; pipe it on stdin");
    }
    if (!sync::is_bearer_token(token->text())) {
        return fail("the API token for source " + std::string(name) +
                    " holds a space, a control character or a byte that is not ASCII, which no API token has; "
                    "pipe the token alone");
    }
    return token;
}

}  // namespace

Result<void> run_source_add(const SourceAddOptions& options, const Settings& settings) {
    if (!valid_source_name(options.name)) {
        return fail("'" + encoding::printable(options.name, 100) + "' cannot name a source: use letters, digits, '-', '_' and '.' (not 'user')");
    }
    if (auto allowed = sync::check_url_allowed(options.url); !allowed) {
        return allowed;
    }
    std::string ca_file;
    if (options.ca_file) {
        std::error_code error;
        ca_file = std::filesystem::absolute(*options.ca_file, error).string();
        if (error || !std::filesystem::is_regular_file(ca_file, error)) {
            return fail("--ca-file " + *options.ca_file + " is not a readable file");
        }
    }
    for (const std::string& host : options.git_hosts) {
        if (!valid_git_host(host)) {
            return fail("--git-host '" + encoding::address_for_display(host, 100) + "' is not a host name (with an optional :port)");
        }
    }
    std::string max_age;
    if (options.max_age) {
        auto parsed = parse_duration(*options.max_age);
        if (!parsed) {
            return std::unexpected(parsed.error());
        }
        max_age = std::to_string(parsed->count());
    }
    auto token = read_token(options.name);
    if (!token) {
        return std::unexpected(token.error());
    }
    auto location = store::locate_store(settings);
    if (!location) {
        return std::unexpected(location.error());
    }
    auto transaction = store::Transaction::begin(*location, store::WhenMissing::create_with_default_protector);
    if (!transaction) {
        return std::unexpected(transaction.error());
    }
    for (const store::Entry& entry : transaction->entries()) {
        if (entry.kind == store::EntryKind::source_token && entry.key == options.name) {
            return fail("there already is a source named '" + options.name + "'; `keyhold source remove " +
                        options.name + "` first");
        }
    }
    store::Entry entry;
    entry.kind = store::EntryKind::source_token;
    entry.key = options.name;
    entry.label = options.url;
    entry.username = options.type;
    entry.secret = crypto::SecretView(token->text());
    entry.extras.push_back({store::kSourceUrl, crypto::SecretView(options.url)});
    if (!ca_file.empty()) {
        entry.extras.push_back({store::kSourceCaFile, crypto::SecretView(ca_file)});
    }
    for (const std::string& host : options.git_hosts) {
        entry.extras.push_back({store::kSourceGitHost, crypto::SecretView(host)});
    }
    if (!max_age.empty()) {
        entry.extras.push_back({store::kSourceMaxAge, crypto::SecretView(max_age)});
    }
    transaction->put(std::move(entry), unix_now());
    if (auto committed = transaction->commit(); !committed) {
        return committed;
    }
    std::cout << "added source " << options.name << " (" << options.type << ", " << options.url
              << "); fetch its credentials with `keyhold sync " << options.name << "`\n";
    return {};
}

Result<void> run_source_list(const Settings& settings) {
    auto located = store::open_located_store(settings);
    if (!located) {
        return std::unexpected(located.error());
    }
    const auto sources = located->store ? store::sources_in(located->store->entries) : std::vector<store::SourceView>{};
    if (sources.empty()) {
        // On stderr: scripts read stdout, one source per line, and an empty list is no line.
        std::cerr << "keyhold: no org sources yet; add one with `keyhold source add NAME --type TYPE --url URL` "
                     "(the API token on stdin)\n";
        return {};
    }
    auto state = store::read_sync_state(located->location);
    for (const store::SourceView& source : sources) {
        std::cout << source.name << "\t" << source.type << "\t" << encoding::address_for_display(source.url);
        for (std::string_view host : source.git_hosts) {
            std::cout << "\tgit-host=" << host;
        }
        if (state) {
            const auto found = state->find(source.name);
            if (found != state->end() && found->second.last_success) {
                std::cout << "\tlast-sync=" << *found->second.last_success;
            }
        }
        std::cout << "\n";
    }
    return {};
}

Result<void> run_source_remove(const std::string& name, const Settings& settings) {
    auto location = store::locate_store(settings);
    if (!location) {
        return std::unexpected(location.error());
    }
    auto transaction = store::Transaction::begin(*location, store::WhenMissing::fail);
    if (!transaction) {
        return std::unexpected(transaction.error());
    }
    if (!transaction->remove(store::EntryKind::source_token, name, store::kUserOrigin)) {
        return fail("there is no source named '" + encoding::printable(name, 100) + "' (see `keyhold source list`)");
    }
    const std::size_t removed = transaction->remove_if([&](const store::Entry& entry) { return entry.origin == name; });
    store::remove_orphan_tombstones(*transaction);  // they hid this source's entries
    if (auto committed = transaction->commit(); !committed) {
        return committed;
    }
    if (auto state = store::read_sync_state(*location); state && state->erase(name) > 0) {
        (void)store::write_sync_state(*location, *state);
    }
    std::cout << "removed source " << name << " and its " << removed << (removed == 1 ? " entry" : " entries")
              << " from this machine\n";
    return {};
}

}  // namespace keyhold::cli
