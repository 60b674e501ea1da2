// The agent's server in-process: several clients at once (so that TSan, scripts/test.sh, sees
// the threads), a client that sends nothing beside them, and a store changed while it serves.

#include "agent/server.hpp"

#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "keyhold/agent/client.hpp"
#include "keyhold/protocol/docker_helper.hpp"
#include "support/catch.hpp"
#include "support/helper_run.hpp"
#include "support/passphrase_store.hpp"

using namespace keyhold;

namespace {

void docker_store(std::string_view url, std::string_view user, std::string_view secret) {
    const std::string body = "{\"ServerURL\":\"" + std::string(url) + "\",\"Username\":\"" + std::string(user) +
                             "\",\"Secret\":\"" + std::string(secret) + "\"}";
    const auto run = testing::run_helper(protocol::run_docker_helper, "docker-credential-keyhold", {"store"}, body);
    REQUIRE(run.exit_code == 0);
}

// An agent over the fixture's store, serving in a thread of its own until stopped.
struct RunningAgent {
    testing::TempPassphraseStore& fixture;
    std::filesystem::path socket = fixture.temp.path() / "agent.sock";
    int stop_pipe[2] = {-1, -1};
    int log_pipe[2] = {-1, -1};
    std::optional<agent::HeldStore> held;
    std::optional<agent::Server> server;
    std::thread thread;
    Result<agent::Server::Ending> ending = fail("not ended");

    explicit RunningAgent(testing::TempPassphraseStore& store) : fixture(store) {
        REQUIRE(::pipe(stop_pipe) == 0);
        REQUIRE(::pipe(log_pipe) == 0);
        auto opened = store::open_store(fixture.location);
        REQUIRE(opened);
        REQUIRE(*opened);
        held.emplace(fixture.location, std::move((*opened)->data_key), (*opened)->header.generation);
        auto allowlist = agent::Allowlist::parse(std::vector<std::string>{"registry.example.com"});
        REQUIRE(allowlist);
        server.emplace(agent::ServerOptions{socket, std::move(*allowlist), {}, log_pipe[1]}, *held);
        REQUIRE(server->listen());
        thread = std::thread([this] {
            ending = server->serve_until(std::chrono::steady_clock::now() + std::chrono::minutes(1), stop_pipe[0]);
        });
    }

    // Stops it, and returns its log.
    std::string stop() {
        REQUIRE(::write(stop_pipe[1], "s", 1) == 1);
        thread.join();
        ::close(log_pipe[1]);
        std::string log;
        char buffer[4096];
        for (ssize_t count; (count = ::read(log_pipe[0], buffer, sizeof buffer)) > 0;) {
            log.append(buffer, static_cast<std::size_t>(count));
        }
        ::close(log_pipe[0]);
        ::close(stop_pipe[0]);
        ::close(stop_pipe[1]);
        return log;
    }
};

std::string ask_docker_get(const std::filesystem::path& socket, std::string_view url) {
    auto reply = agent::ask_agent(socket, agent::Protocol::docker, "get", url);
    REQUIRE(reply);
    return std::to_string(reply->answer.exit_code) + " " + std::string(reply->answer.out);
}

}  // namespace

TEST_CASE("the agent serves many clients at once, beside one that sends nothing", "[agent]") {
    testing::TempPassphraseStore fixture;
    docker_store("registry.example.com", "ci", "pa55word");
    docker_store("other.example.com", "ci", "other-secret");
    RunningAgent running(fixture);

    // Connected, silent: it holds its own thread until the request timeout, nobody else's.
    auto silent =
        platform::connect_to_unix_socket(running.socket, std::chrono::steady_clock::now() + std::chrono::seconds(5));
    REQUIRE(silent);

    std::atomic<int> served{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < 8; ++i) {
        clients.emplace_back([&] {
            for (int j = 0; j < 10; ++j) {
                auto allowed = agent::ask_agent(running.socket, agent::Protocol::docker, "get", "registry.example.com");
                if (allowed && allowed->answer.exit_code == 0 &&
                    allowed->answer.out ==
                        "{\"ServerURL\":\"registry.example.com\",\"Username\":\"ci\",\"Secret\":\"pa55word\"}\n") {
                    ++served;
                }
                auto other = agent::ask_agent(running.socket, agent::Protocol::docker, "get", "other.example.com");
                if (other && other->answer.exit_code == 1 &&
                    other->answer.out == "credentials not found in native keychain\n") {
                    ++refused;
                }
            }
        });
    }
    for (std::thread& client : clients) {
        client.join();
    }
    CHECK(served == 80);
    CHECK(refused == 80);
    const std::string log = running.stop();
    CHECK(running.ending.value() == agent::Server::Ending::stop_requested);
    CHECK(log.find("docker get registry.example.com: served") != std::string::npos);
    CHECK(log.find("docker get other.example.com: refused: not in the allowlist") != std::string::npos);
    CHECK(log.find("pa55word") == std::string::npos);
    CHECK_FALSE(std::filesystem::exists(running.socket));
}

TEST_CASE("the agent sees a change of the store at once, and refuses store and erase", "[agent]") {
    testing::TempPassphraseStore fixture;
    docker_store("registry.example.com", "ci", "first");
    RunningAgent running(fixture);
    CHECK(ask_docker_get(running.socket, "registry.example.com") ==
          "0 {\"ServerURL\":\"registry.example.com\",\"Username\":\"ci\",\"Secret\":\"first\"}\n");
    docker_store("registry.example.com", "ci", "second");
    CHECK(ask_docker_get(running.socket, "registry.example.com") ==
          "0 {\"ServerURL\":\"registry.example.com\",\"Username\":\"ci\",\"Secret\":\"second\"}\n");
    auto erase = agent::ask_agent(running.socket, agent::Protocol::docker, "erase", "registry.example.com");
    REQUIRE(erase);
    CHECK(erase->answer.exit_code == 1);
    CHECK(erase->answer.out.starts_with("keyhold agent: erase is refused"));
    // A helper of another release: refused with the reason, not a silent close.
    auto other_release =
        platform::connect_to_unix_socket(running.socket, std::chrono::steady_clock::now() + std::chrono::seconds(5));
    REQUIRE(other_release);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    REQUIRE(platform::send_all(*other_release, "keyhold-agent 2 docker get 0\n", deadline));
    crypto::SecureBuffer reply(4096);
    std::size_t have = 0;
    for (;;) {
        auto count = platform::receive_some(*other_release, reply.bytes().subspan(have), deadline);
        REQUIRE(count);
        if (*count == 0) {
            break;
        }
        have += *count;
    }
    const auto refused = agent::parse_answer(reply.text().substr(0, have));
    REQUIRE(refused);
    CHECK(refused->exit_code == 1);
    CHECK(refused->err.find("wire version '2'") != std::string_view::npos);
    auto git_store = agent::ask_agent(running.socket, agent::Protocol::git, "store", "protocol=https\nhost=x\n");
    REQUIRE(git_store);
    CHECK(git_store->answer.exit_code == 0);
    CHECK(git_store->answer.out.empty());
    CHECK(ask_docker_get(running.socket, "registry.example.com").starts_with("0 "));
    running.stop();
}

TEST_CASE("the agent keeps a client waiting behind 64 silent ones, it does not turn it away", "[agent]") {
    testing::TempPassphraseStore fixture;
    docker_store("registry.example.com", "ci", "pa55word");
    RunningAgent running(fixture);
    // Every thread held by a client that connects and sends nothing (a slowloris): the next
    // client waits for a thread in the listen backlog, and is served when the first ends.
    std::vector<platform::Socket> silent;
    for (std::size_t i = 0; i < agent::kMaxConnections; ++i) {
        auto connection = platform::connect_to_unix_socket(running.socket,
                                                           std::chrono::steady_clock::now() + std::chrono::seconds(5));
        REQUIRE(connection);
        silent.push_back(std::move(*connection));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // all accepted, all threads busy
    CHECK(ask_docker_get(running.socket, "registry.example.com") ==
          "0 {\"ServerURL\":\"registry.example.com\",\"Username\":\"ci\",\"Secret\":\"pa55word\"}\n");
    const std::string log = running.stop();
    CHECK(log.find("refused a connection") == std::string::npos);
}

TEST_CASE("the agent's client refuses a relative socket path, which the current directory would choose", "[agent]") {
    testing::TempPassphraseStore fixture;
    docker_store("registry.example.com", "ci", "pa55word");
    RunningAgent running(fixture);
    // git runs a helper in the repository: KEYHOLD_AGENT_SOCK=agent.sock would be whatever
    // socket that directory holds, here the agent's own.
    const auto before = std::filesystem::current_path();
    std::filesystem::current_path(running.socket.parent_path());
    auto reply = agent::ask_agent("agent.sock", agent::Protocol::docker, "get", "registry.example.com");
    std::filesystem::current_path(before);
    REQUIRE_FALSE(reply);
    CHECK(reply.error().message ==
          "KEYHOLD_AGENT_SOCK 'agent.sock' is not an absolute path: give the agent's socket as a whole path, e.g. "
          "/run/keyhold.sock");
    running.stop();
}
