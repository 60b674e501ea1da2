#pragma once
// Asking a keyhold agent (docs/agent.md): what the helpers' client mode and the agent's tests
// use. One connection per request.

#include <chrono>
#include <filesystem>
#include <string_view>

#include "keyhold/agent/wire.hpp"
#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"

namespace keyhold::agent {

// How long a client waits for the agent to take the connection, and then for its answer.
inline constexpr std::chrono::seconds kConnectTimeout{5};
inline constexpr std::chrono::seconds kAnswerTimeout{30};

struct Reply {
    crypto::SecureBuffer bytes;  // the whole answer as received: secure memory, it may hold a secret
    Answer answer;               // views into `bytes`
};

// Sends `verb` and `body` to the agent listening on `socket` and reads its whole answer. Every
// failure (no socket, no agent, an agent gone before it answered, a malformed answer) is one
// sentence naming the socket.
Result<Reply> ask_agent(const std::filesystem::path& socket, Protocol protocol, std::string_view verb,
                        std::string_view body);

}  // namespace keyhold::agent
