// Writers in threads of one process lose no update, as writers in separate processes do not
// (tests/integration/concurrency.sh). A program that links keyhold (a sync daemon, a test
// harness) may write from several threads; each Transaction opens the lock file itself, and
// flock(2) locks belong to the open file description, so threads exclude each other too. A
// per-process lock (fcntl F_SETLK) would let them all in at once and this test would fail.
//
// Run under ThreadSanitizer by scripts/test.sh (build-tsan/), it also checks that nothing the
// threads share in the store code is touched without synchronization.

#include "support/catch.hpp"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "keyhold/store/store.hpp"
#include "support/passphrase_store.hpp"

using namespace keyhold;

namespace {

constexpr int kThreads = 4;
constexpr int kWritesPerThread = 6;

std::string key_for(int thread, int write) {
    return "registry.example.com/thread-" + std::to_string(thread) + "/write-" + std::to_string(write);
}

}  // namespace

TEST_CASE("transactions in concurrent threads of one process lose no update", "[store][threads]") {
    testing::TempPassphraseStore fixture;
    // Warm the key cache (if this kernel has one) so that the threads contend for the lock,
    // not for Argon2id.
    REQUIRE(store::open_store(fixture.location));

    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int thread = 0; thread < kThreads; ++thread) {
        writers.emplace_back([&fixture, &failures, thread] {
            // Catch2's assertions are not thread-safe: the threads count, the test checks.
            for (int write = 0; write < kWritesPerThread; ++write) {
                const std::string key = key_for(thread, write);  // outlives commit()
                auto transaction = store::Transaction::begin(fixture.location, store::WhenMissing::fail);
                if (!transaction) {
                    ++failures;
                    continue;
                }
                store::Entry entry;
                entry.kind = store::EntryKind::registry;
                entry.key = key;
                entry.label = key;
                entry.username = "writer";
                entry.secret = crypto::SecretView("example-secret");
                transaction->put(entry, 1000 + write);
                if (!transaction->commit()) {
                    ++failures;
                }
            }
        });
    }
    for (std::thread& writer : writers) {
        writer.join();
    }
    CHECK(failures == 0);

    auto opened = store::open_store(fixture.location);
    REQUIRE(opened);
    REQUIRE(*opened);
    const std::vector<store::Entry>& entries = (*opened)->entries;
    CHECK(entries.size() == static_cast<std::size_t>(kThreads * kWritesPerThread));
    for (int thread = 0; thread < kThreads; ++thread) {
        for (int write = 0; write < kWritesPerThread; ++write) {
            const std::string key = key_for(thread, write);
            INFO(key);
            CHECK(std::any_of(entries.begin(), entries.end(), [&](const store::Entry& entry) { return entry.key == key; }));
        }
    }
    // Every commit wrote a generation of its own after the store's first.
    CHECK((*opened)->header.generation == 1 + kThreads * kWritesPerThread);
}
