#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "keyhold/platform/process.hpp"

namespace keyhold::platform {

void harden_process() {
    // A core file would hold decrypted credentials; so would another process's ptrace peek.
    const struct rlimit no_core {0, 0};
    const bool no_dumps = ::setrlimit(RLIMIT_CORE, &no_core) == 0;
    // LeakSanitizer inspects the process with ptrace, which a non-dumpable process refuses;
    // sanitizer builds are test builds and keep only the rlimit.
    const bool undumpable = KEYHOLD_SANITIZED || ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
    if (!no_dumps || !undumpable || sodium_init() < 0) {
        static constexpr char kMessage[] = "keyhold: cannot make this process safe for secrets (core dumps, libsodium)\n";
        (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
        ::_exit(70);
    }
}

}  // namespace keyhold::platform
