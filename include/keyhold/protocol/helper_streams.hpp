#pragma once

namespace keyhold::protocol {

// Where a credential helper reads its request and writes its answer and diagnostics. What it
// does otherwise (the store, KEYHOLD_DEBUG) comes from the Settings it is given.
struct HelperStreams {
    int in_fd = 0;
    int out_fd = 1;
    int err_fd = 2;
};

}  // namespace keyhold::protocol
