#include "keyhold/protocol/docker_helper.hpp"

#include <deque>
#include <string>

#include "helper_support.hpp"
#include "keyhold/match/registry_key.hpp"
#include "keyhold/platform/files.hpp"
#include "keyhold/protocol/docker_messages.hpp"
#include "keyhold/store/serving.hpp"
#include "keyhold/store/store.hpp"
#include "keyhold/store/user_changes.hpp"
#include "keyhold/version.hpp"

namespace keyhold::protocol {
namespace {

constexpr std::string_view kUsage = "usage: docker-credential-keyhold store|get|erase|list|version";
// For a person who runs it by hand: the clients never ask for it.
constexpr std::string_view kHelp =
    "docker-credential-keyhold: Docker's credential helper over keyhold's encrypted store\n"
    "\n"
    "usage: docker-credential-keyhold store|get|erase|list|version\n"
    "\n"
    "  get      read a server URL on stdin, print {\"ServerURL\",\"Username\",\"Secret\"}\n"
    "  store    read {\"ServerURL\",\"Username\",\"Secret\"} on stdin and keep it\n"
    "  erase    read a server URL on stdin and forget it\n"
    "  list     print {\"server URL\": \"username\", ...}, never a secret\n"
    "  version  print the version\n"
    "\n"
    "docker, podman, buildah and skopeo run it themselves: `keyhold configure docker` and\n"
    "`keyhold configure containers` point them at it. KEYHOLD_DEBUG=1 says on stderr why a call\n"
    "failed or found nothing. More in docker-credential-keyhold(1).\n";

struct Outcome {
    int exit_code = 0;
    std::string output;  // stdout; never a secret (get writes its answer itself)
    std::string detail;  // why, for KEYHOLD_DEBUG's stderr; never a secret
};

Outcome success(std::string output = {}) { return {0, std::move(output), {}}; }
Outcome failure(std::string_view message, std::string detail = {}) {
    return {1, std::string(message) + "\n", std::move(detail)};
}

Outcome store(const HelperStreams& streams, const Settings& settings) {
    auto input = read_request(streams, kMaxDockerRequestBytes);
    if (!input) {
        return failure(input.error().message);
    }
    crypto::SecureBuffer fields;
    auto credentials = parse_store_request(input->text(), fields);
    if (!credentials) {
        return failure(credentials.error().message);
    }
    if (credentials->server_url.empty()) {
        return failure(kMissingServerUrl);
    }
    if (credentials->username.empty()) {
        return failure(kMissingUsername);
    }
    // Checked before a store is created for it.
    if (auto key = match::parse_registry_key(credentials->server_url); !key) {
        return failure(key.error().message);
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
    if (auto put = put_registry_credential(*transaction, credentials->server_url, credentials->username,
                                           credentials->secret, storage, unix_now());
        !put) {
        return failure(put.error().message);
    }
    if (auto committed = transaction->commit(); !committed) {
        return failure(committed.error().message);
    }
    return success();
}

Outcome get(const HelperStreams& streams, const Settings& settings) {
    auto input = read_request(streams, kMaxDockerRequestBytes);
    if (!input) {
        return failure(input.error().message);
    }
    const std::string_view server_url = server_url_of_request(input->text());
    if (server_url.empty()) {
        return failure(kMissingServerUrl);
    }
    // Nothing can be stored under an address that does not parse.
    auto key = match::parse_registry_key(server_url);
    if (!key) {
        return failure(kCredentialsNotFound, key.error().message);
    }
    auto located = store::open_located_store(settings);
    if (!located) {
        return failure(located.error().message);
    }
    if (!located->store) {
        return failure(kCredentialsNotFound, "there is no store in " + located->location.directory.string() + " yet");
    }
    const std::vector<store::Entry>& entries = located->store->entries;
    const store::ServingPolicy policy(located->location, entries, unix_now());
    const store::Entry* entry = policy.answer(
        match::find_registry_entry(*key, entries, [&](const store::Entry& each) { return policy.may_match(each); }));
    if (entry == nullptr) {
        return failure(kCredentialsNotFound, "no registry entry in " + located->location.store_file().string() +
                                                 " answers " + key->canonical());
    }
    const crypto::SecureBuffer response = format_get_response({server_url, entry->username, entry->secret});
    if (auto written = platform::write_all(streams.out_fd, response.text()); !written) {
        return {1, {}, written.error().message};
    }
    return success();
}

Outcome erase(const HelperStreams& streams, const Settings& settings) {
    auto input = read_request(streams, kMaxDockerRequestBytes);
    if (!input) {
        return failure(input.error().message);
    }
    const std::string_view server_url = server_url_of_request(input->text());
    if (server_url.empty()) {
        return failure(kMissingServerUrl);
    }
    auto key = match::parse_registry_key(server_url);
    if (!key) {
        return success();  // nothing can be stored under it, so it is already gone
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
        return success();  // no store, nothing to erase: docker logout erases several spellings in a row
    }
    const std::string canonical = key->canonical();
    std::deque<std::string> storage;
    store::erase_for_client(
        **transaction,
        [&](const store::Entry& entry) { return entry.kind == store::EntryKind::registry && entry.key == canonical; },
        storage, unix_now());
    if (auto committed = (*transaction)->commit(); !committed) {
        return failure(committed.error().message);
    }
    return success();
}

// Never reads stdin: some clients leave it open and would wait on us forever.
Outcome list(const Settings& settings) {
    auto located = store::open_located_store(settings);
    if (!located) {
        return failure(located.error().message);
    }
    std::vector<ListedAccount> accounts;
    if (located->store) {
        // What get answers for each key.
        const store::ServingPolicy policy(located->location, located->store->entries, unix_now());
        for (const store::Entry* entry : policy.served(store::EntryKind::registry)) {
            accounts.push_back({entry->label, entry->username});
        }
    }
    return success(format_list_response(accounts));
}

Outcome dispatch(std::string_view verb, const HelperStreams& streams, const Settings& settings) {
    if (verb == "store") {
        return store(streams, settings);
    }
    if (verb == "get") {
        return get(streams, settings);
    }
    if (verb == "erase") {
        return erase(streams, settings);
    }
    if (verb == "list") {
        return list(settings);
    }
    if (verb == "--help" || verb == "-h" || verb == "help") {
        return success(std::string(kHelp));
    }
    if (verb == "version" || verb == "--version" || verb == "-v") {
        return success("docker-credential-keyhold (keyhold) " + std::string(kVersion) + "\n");
    }
    return failure("unknown verb '" + std::string(verb) + "'; " + std::string(kUsage));
}

}  // namespace

Result<void> put_registry_credential(store::Transaction& transaction, std::string_view server_url,
                                     std::string_view username, crypto::SecretView secret,
                                     std::deque<std::string>& storage, std::int64_t now) {
    auto key = match::parse_registry_key(server_url);
    if (!key) {
        return std::unexpected(key.error());
    }
    const std::string& canonical = storage.emplace_back(key->canonical());
    store::Entry entry;
    entry.kind = store::EntryKind::registry;
    entry.key = canonical;
    entry.label = server_url;
    entry.username = username;
    entry.secret = secret;
    const auto same_org_credential = [&](const store::Entry& org) {
        return org.key == canonical && org.username == username && org.secret.same_as(secret);
    };
    store::put_user_credential(transaction, std::move(entry), same_org_credential, now);
    return {};
}

int run_docker_helper(std::span<const std::string_view> args, const HelperStreams& streams, const Settings& settings) {
    Outcome outcome = args.size() == 2 ? dispatch(args[1], streams, settings) : failure(kUsage);
    // Errors go to stdout, where docker and the containers tools read them. An answer that
    // cannot be written (a full disk, a closed pipe) is a failure the client must see.
    if (auto written = platform::write_all(streams.out_fd, outcome.output); !written) {
        outcome = {1, {}, written.error().message};
    }
    // Only what stdout did not already say: a terminal shows both streams.
    if (settings.debug && outcome.exit_code != 0 && !outcome.detail.empty()) {
        (void)platform::write_all(streams.err_fd, "docker-credential-keyhold: " + outcome.detail + "\n");
    }
    return outcome.exit_code;
}

}  // namespace keyhold::protocol
