#pragma once
// What the docker and git helpers share: reading a bounded request and the clock.

#include <chrono>
#include <cstdint>
#include <string>

#include "keyhold/platform/files.hpp"
#include "keyhold/protocol/helper_streams.hpp"

namespace keyhold::protocol {

inline std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// stdin into secure memory, refusing more than `limit` bytes.
inline Result<crypto::SecureBuffer> read_request(const HelperStreams& streams, std::size_t limit) {
    auto input = platform::read_all(streams.in_fd, limit);
    if (!input) {
        return fail("the request on stdin is larger than " + std::to_string(limit) +
                    " bytes, keyhold's limit; nothing was changed");
    }
    return input;
}

}  // namespace keyhold::protocol
