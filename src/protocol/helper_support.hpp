#pragma once
// What the docker and git helpers share: reading a bounded request and the clock.

#include <chrono>
#include <cstdint>
#include <string>

#include "keyhold/clock.hpp"
#include "keyhold/platform/files.hpp"
#include "keyhold/protocol/helper_streams.hpp"

namespace keyhold::protocol {

// stdin into secure memory, refusing more than `limit` bytes.
inline Result<crypto::SecureBuffer> read_request(const HelperStreams& streams, std::size_t limit) {
    auto input = platform::read_all(streams.in_fd, limit);
    if (!input) {
        return fail(input.error().kind == ErrorKind::too_large
                        ? "the request on stdin is larger than " + std::to_string(limit) +
                              " bytes, keyhold's limit; nothing was changed"
                        : "cannot read the request on stdin (" + input.error().message + "); nothing was changed");
    }
    return input;
}

}  // namespace keyhold::protocol
