// `keyhold agent`: serves get (and docker's list) for an allowlist over a Unix socket until its
// TTL, for clients that must not hold the store or its key (docs/agent.md).

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/server.hpp"
#include "commands.hpp"
#include "duration.hpp"
#include "keyhold/platform/unix_socket.hpp"

namespace keyhold::cli {
namespace {

Result<std::chrono::seconds> agent_ttl(const std::string& text) {
    auto ttl = parse_duration(text);
    if (!ttl) {
        return std::unexpected(Error{"--ttl: " + ttl.error().message});
    }
    if (*ttl < std::chrono::seconds(1) || *ttl > kLongestAgentTtl) {
        return fail("--ttl " + text +
                    " is outside 1s to 24h: an agent hands out credentials to whoever may connect "
                    "for that long; start a new one when a job needs more");
    }
    return *ttl;
}

// uids whose peers are not one user: (uid_t)-1 is "no uid", and the kernel's overflow uid is
// how a process of a user namespace that maps no uid here shows (any of them, whoever it is).
Result<void> check_allowed_uids(const std::vector<std::uint32_t>& uids) {
    constexpr std::uint32_t kNoUid = 4294967295;
    constexpr std::uint32_t kOverflowUid = 65534;  // /proc/sys/kernel/overflowuid's default
    for (const std::uint32_t uid : uids) {
        if (uid == kNoUid) {
            return fail("--allow-uid 4294967295 is no user's uid");
        }
        if (uid == kOverflowUid) {
            return fail("--allow-uid 65534 is refused: it is also the uid every process of a user namespace "
                        "that maps no uid here shows as (the kernel's overflow uid), so it would let in "
                        "whoever that is; run such clients as a uid of their own");
        }
    }
    return {};
}

}  // namespace

Result<void> run_agent(const AgentOptions& options, const Settings& settings) {
    auto ttl = agent_ttl(options.ttl);
    if (!ttl) {
        return std::unexpected(ttl.error());
    }
    if (auto uids = check_allowed_uids(options.allow_uids); !uids) {
        return std::unexpected(uids.error());
    }
    auto allowlist = agent::Allowlist::parse(options.allow);
    if (!allowlist) {
        return std::unexpected(allowlist.error());
    }
    std::error_code error;
    const std::filesystem::path socket = std::filesystem::absolute(options.socket, error);
    if (error || options.socket.empty()) {
        return fail("--socket " + options.socket + " is not a usable path");
    }
    // First: where there are no Unix-domain sockets (Windows) this is the one line to say.
    auto stop = platform::StopSignals::install();
    if (!stop) {
        return std::unexpected(stop.error());
    }
    // Unlocked once, as any command would (the key cache or the protector); from here on the key
    // stays in this process's secure memory until the TTL, and the store file is re-read for each
    // request.
    auto located = store::open_located_store(settings);
    if (!located) {
        return std::unexpected(located.error());
    }
    if (!located->store) {
        return fail("there is no keyhold store in " + located->location.directory.string() +
                    " yet (see `keyhold init`): the agent would serve nothing");
    }
    const std::uint64_t generation = located->store->header.generation;
    agent::HeldStore held(located->location, std::move(located->store->data_key), generation);
    located->store.reset();  // the decrypted entries of this first read are not kept

    agent::Server server({socket, std::move(*allowlist), options.allow_uids, 2}, held);
    if (auto listening = server.listen(); !listening) {
        return std::unexpected(listening.error());
    }
    std::string allowed;
    for (const std::string& entry : options.allow) {
        allowed += (allowed.empty() ? "" : " ") + entry;
    }
    // The agent's own uid first, then each other one once ("to uid 0 0" said nothing more).
    std::vector<std::uint32_t> served_uids{platform::current_user_id()};
    for (const std::uint32_t uid : options.allow_uids) {
        if (std::ranges::find(served_uids, uid) == served_uids.end()) {
            served_uids.push_back(uid);
        }
    }
    std::string uids;
    for (const std::uint32_t uid : served_uids) {
        uids += (uids.empty() ? "" : " ") + std::to_string(uid);
    }
    server.log("listening on " + socket.string() + " for " + std::to_string(ttl->count()) + "s, allowing " + allowed +
               " to uid " + uids);
    auto ending = server.serve_until(std::chrono::steady_clock::now() + *ttl, stop->stop_fd());
    if (!ending) {
        server.log("stopped: " + ending.error().message + "; socket removed");
        return std::unexpected(ending.error());
    }
    server.log(*ending == agent::Server::Ending::deadline ? "stopped: the --ttl is over; socket removed"
                                                          : "stopped by a signal; socket removed");
    return {};
}

}  // namespace keyhold::cli
