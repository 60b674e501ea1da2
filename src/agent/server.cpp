#include "server.hpp"

#include <algorithm>
#include <atomic>
#include <list>
#include <string>
#include <thread>

#include "keyhold/clock.hpp"
#include "keyhold/platform/files.hpp"

namespace keyhold::agent {
namespace {

// The request in secure memory: a git request may carry a username, and the buffer is reused
// for nothing else. Reads stop at the announced size: what a client sends beyond it is ignored.
Result<crypto::SecureBuffer> receive_request(const platform::Socket& connection, platform::Deadline deadline) {
    crypto::SecureBuffer buffer(kMaxHeaderBytes + kMaxRequestBodyBytes);
    std::size_t have = 0;
    std::optional<std::size_t> total;
    while (!total || have < *total) {
        const std::size_t want = total ? *total - have : std::min(buffer.size() - have, kMaxHeaderBytes);
        auto count = platform::receive_some(connection, buffer.bytes().subspan(have, want), deadline);
        if (!count) {
            return std::unexpected(count.error());
        }
        if (*count == 0) {
            return fail("the request was cut short (" + std::to_string(have) + " bytes)");
        }
        have += *count;
        if (!total) {
            auto end = find_header_end(buffer.text().substr(0, have));
            if (!end) {
                return std::unexpected(end.error());
            }
            if (*end) {
                auto header = parse_request_header(buffer.text().substr(0, **end));
                if (!header) {
                    return std::unexpected(header.error());
                }
                total = **end + 1 + header->body_bytes;
                if (have > *total) {
                    return fail("the request is longer than its header says");
                }
            }
        }
    }
    buffer.resize(have);
    return buffer;
}

}  // namespace

std::string rfc3339_now() { return rfc3339_utc(unix_now()); }

void Server::log(std::string_view text) {
    const std::string whole = rfc3339_now() + " keyhold agent: " + std::string(text) + "\n";
    const std::lock_guard lock(log_mutex_);
    (void)platform::write_all(options_.log_fd, whole);
}

Result<void> Server::listen() {
    auto listener = platform::listen_on_unix_socket(options_.socket);
    if (!listener) {
        return std::unexpected(listener.error());
    }
    listener_ = std::move(*listener);
    return {};
}

void Server::handle(platform::Socket connection) {
    auto peer = platform::peer_credentials(connection);
    if (!peer) {
        log("peer unknown: refused: " + peer.error().message);
        return;
    }
    const bool uid_allowed =
        peer->uid == platform::current_user_id() ||
        std::find(options_.allowed_uids.begin(), options_.allowed_uids.end(), peer->uid) != options_.allowed_uids.end();
    // A refused peer's request is still read, for the log to say what it asked, but it gets a
    // moment, not the 5 s an allowed client has: it cannot hold threads the allowed ones need.
    const auto deadline = std::chrono::steady_clock::now() + (uid_allowed ? kRequestTimeout : kRefusedPeerTimeout);
    const std::string who = "pid=" + std::to_string(peer->pid) + " uid=" + std::to_string(peer->uid);
    // A request that cannot be read still gets an answer when the client waits for one (a
    // helper of another keyhold release): exit 1 and the reason on stderr, which both helpers
    // relay.
    const auto refuse_malformed = [&](const Error& error) {
        log(who + " -: refused: " + error.message);
        (void)platform::send_all(
            connection, format_answer(1, {}, "keyhold agent: refused: " + error.message + "\n").text(), deadline);
    };
    auto bytes = receive_request(connection, deadline);
    if (!bytes) {
        refuse_malformed(bytes.error());
        return;
    }
    auto request = parse_request(bytes->text());
    if (!request) {  // receive_request checked the header; this checks the whole frame again
        refuse_malformed(request.error());
        return;
    }
    const Served served = uid_allowed ? serve(*request, options_.allowlist, held_) : refuse_peer(*request, peer->uid);
    const std::string what = who + " " + std::string(protocol_name(request->header.protocol)) + " " +
                             request->header.verb + " " + served.asked;
    if (auto sent = platform::send_all(connection, served.answer.text(), deadline); !sent) {
        log(what + ": " + served.outcome + ", but the answer did not reach the client: " + sent.error().message);
        return;
    }
    log(what + ": " + served.outcome);
}

Result<Server::Ending> Server::serve_until(platform::Deadline deadline, int stop_fd) {
    struct Worker {
        std::thread thread;
        std::atomic<bool> done{false};
    };
    std::list<Worker> workers;  // stable addresses: each thread sets its own `done`
    const auto reap = [&] {
        workers.remove_if([](Worker& worker) {
            if (!worker.done.load()) {
                return false;
            }
            worker.thread.join();
            return true;
        });
    };
    const platform::Socket no_listener;  // what accept_connection waits on while all threads are busy
    Result<Ending> ending = Ending::deadline;
    for (;;) {
        reap();
        // Full: new connections wait in the listen backlog, taken in turn as threads end. Closing
        // them instead would let 64 clients that send nothing turn every other client away.
        const bool full = workers.size() >= kMaxConnections;
        // Wake at least once a second to reap finished threads (when full, sooner).
        const auto wake = std::min(deadline, std::chrono::steady_clock::now() +
                                                 (full ? std::chrono::milliseconds(20) : std::chrono::seconds(1)));
        auto accepted = platform::accept_connection(full ? no_listener : listener_, stop_fd, wake);
        if (!accepted) {
            ending = std::unexpected(accepted.error());
            break;
        }
        if (accepted->stop_requested) {
            ending = Ending::stop_requested;
            break;
        }
        if (!accepted->connection) {
            if (std::chrono::steady_clock::now() >= deadline) {
                break;
            }
            continue;
        }
        Worker& worker = workers.emplace_back();
        worker.thread = std::thread([this, &worker, connection = std::move(*accepted->connection)]() mutable {
            handle(std::move(connection));
            worker.done.store(true);
        });
    }
    // No new connection from here on; the requests in flight get their answers.
    listener_ = platform::Socket();
    platform::remove_socket_file(options_.socket);
    for (Worker& worker : workers) {
        worker.thread.join();
    }
    return ending;
}

}  // namespace keyhold::agent
