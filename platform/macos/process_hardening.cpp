#include <signal.h>
#include <sodium.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/sysctl.h>
#include <sys/types.h>
#include <unistd.h>

#include "keyhold/platform/process.hpp"

namespace keyhold::platform {
namespace {

void return_from_signal(int) {}

// As on Linux (platform/linux/process_hardening.cpp): a write past `ulimit -f` fails with EFBIG
// and is reported, instead of SIGXFSZ killing the process without a word.
bool report_file_size_limit_as_error() {
    struct sigaction action {};
    action.sa_handler = return_from_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return ::sigaction(SIGXFSZ, &action, nullptr) == 0;
}

// Whether a debugger traces this process already (Apple's Technical Q&A QA1361: the P_TRACED
// flag of sysctl's kinfo_proc).
bool traced() {
    int request[] = {CTL_KERN, KERN_PROC, KERN_PROC_PID, ::getpid()};
    struct kinfo_proc info {};
    size_t size = sizeof info;
    if (::sysctl(request, sizeof request / sizeof request[0], &info, &size, nullptr, 0) != 0) {
        return false;
    }
    return (info.kp_proc.p_flag & P_TRACED) != 0;
}

// macOS has no PR_SET_DUMPABLE. ptrace(PT_DENY_ATTACH) refuses every later attach (lldb,
// debugserver), which is what keeps other processes of the user out of this one's memory.
// A process already being traced would be killed by it: a program started under a debugger
// (a developer's) is left as it is, as on Linux, where the tracer that started it stays too.
bool deny_debugger_attach() {
    if (KEYHOLD_SANITIZED || traced()) {
        return true;
    }
    return ::ptrace(PT_DENY_ATTACH, 0, nullptr, 0) == 0;
}

}  // namespace

void harden_process() {
    // A core file would hold decrypted credentials (macOS writes none by default; this makes
    // sure of it for a shell that raised `ulimit -c`).
    const struct rlimit no_core {0, 0};
    const bool no_dumps = ::setrlimit(RLIMIT_CORE, &no_core) == 0;
    const bool not_attachable = deny_debugger_attach();
    const bool file_size_limit_reported = report_file_size_limit_as_error();
    if (!no_dumps || !not_attachable || !file_size_limit_reported || sodium_init() < 0) {
        static constexpr char kMessage[] = "keyhold: cannot make this process safe for secrets (core dumps, libsodium)\n";
        (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
        ::_exit(70);
    }
}

}  // namespace keyhold::platform
