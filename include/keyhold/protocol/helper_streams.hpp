#pragma once

namespace keyhold::protocol {

// Where a credential helper reads its request and writes its answer and diagnostics. What it
// does otherwise (the store, KEYHOLD_DEBUG) comes from the Settings it is given.
struct HelperStreams {
    int in_fd = 0;
    int out_fd = 1;
    int err_fd = 2;
};

// The exit code of both helpers' mains when an exception escapes (a bug, or memory exhausted):
// EX_SOFTWARE from sysexits(3), as `keyhold` exits for the same. A refusal or failure the
// helpers expect exits 1, so a script, a test or a bug report tells the two apart; the
// clients do not need to: docker, podman, buildah and skopeo take any non-zero exit as a
// failure and show what the helper printed on stdout (where docker-credential-keyhold writes
// the message), and git shows a helper's stderr and goes on without an answer whatever the
// code.
inline constexpr int kInternalErrorExitCode = 70;

}  // namespace keyhold::protocol
