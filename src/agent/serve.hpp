#pragma once
// What the agent answers to one request (docs/agent.md, "What is served"): the helpers' own
// matching, serving policy and answer formats over the store re-read for each request, limited
// to the allowlist and to get and list.

#include <atomic>
#include <cstdint>
#include <string>

#include "allowlist.hpp"
#include "keyhold/agent/wire.hpp"
#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::agent {

// The store as the agent holds it: its location and the data key unlocked once at start. Shared
// by every connection's thread: the key is only read, the newest generation seen only grows.
class HeldStore {
public:
    HeldStore(store::StoreLocation location, crypto::SecureBuffer data_key, std::uint64_t generation)
        : location_(std::move(location)), data_key_(std::move(data_key)), newest_generation_(generation) {}

    // The store file as it is now (store::reopen_store), never older than one seen before.
    Result<store::OpenStore> read();
    const store::StoreLocation& location() const { return location_; }

private:
    store::StoreLocation location_;
    const crypto::SecureBuffer data_key_;
    std::atomic<std::uint64_t> newest_generation_;
};

struct Served {
    crypto::SecureBuffer answer;  // framed (wire.hpp), ready to send
    std::string asked;            // for the log: what was asked, printable, never a secret
    std::string outcome;          // for the log: "served", "not found", "refused: ...", "failed: ..."
};

// Answers `request` from a peer whose uid passed the check.
Served serve(const Request& request, const Allowlist& allowlist, HeldStore& held);

// The answer to a peer whose uid may not use this agent.
Served refuse_peer(const Request& request, std::uint32_t uid);

}  // namespace keyhold::agent
