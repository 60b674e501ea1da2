#pragma once

namespace keyhold::protocol {

// Where a credential helper reads its request and writes its answer and diagnostics.
struct HelperStreams {
    int in_fd = 0;
    int out_fd = 1;
    int err_fd = 2;
    bool debug = false;  // KEYHOLD_DEBUG: say on stderr why a request failed or found nothing
};

}  // namespace keyhold::protocol
