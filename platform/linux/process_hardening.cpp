#include <signal.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "keyhold/platform/process.hpp"

namespace keyhold::platform {
namespace {

void return_from_signal(int) {}

// Under `ulimit -f` a write past the limit raises SIGXFSZ, whose default action kills the
// process without a word (exit 153), leaving the writer's temporary file behind. With the
// signal caught, the write fails with EFBIG instead (setrlimit(2), RLIMIT_FSIZE) and the
// writer says so; the store is written to a temporary file first, so the old one stays.
// Caught rather than SIG_IGN: a caught signal is reset at execve, so `keyhold exec`'s
// program gets the default action, as it would without keyhold.
bool report_file_size_limit_as_error() {
    struct sigaction action {};
    action.sa_handler = return_from_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return ::sigaction(SIGXFSZ, &action, nullptr) == 0;
}

}  // namespace

void harden_process() {
    // A core file would hold decrypted credentials; so would another process's ptrace peek.
    const struct rlimit no_core {0, 0};
    const bool no_dumps = ::setrlimit(RLIMIT_CORE, &no_core) == 0;
    // LeakSanitizer inspects the process with ptrace, which a non-dumpable process refuses;
    // sanitizer builds are test builds and keep only the rlimit.
    const bool undumpable = KEYHOLD_SANITIZED || ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
    const bool file_size_limit_reported = report_file_size_limit_as_error();
    if (!no_dumps || !undumpable || !file_size_limit_reported || sodium_init() < 0) {
        static constexpr char kMessage[] = "keyhold: cannot make this process safe for secrets (core dumps, libsodium)\n";
        (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
        ::_exit(70);
    }
}

}  // namespace keyhold::platform
