#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keyhold/platform/process.hpp"

namespace keyhold::platform {

bool run_detached(const std::function<void()>& work) {
    const pid_t child = ::fork();
    if (child < 0) {
        return false;
    }
    if (child == 0) {
        // The child forks the worker and ends at once, so the worker is nobody's zombie.
        if (::fork() == 0) {
            ::setsid();
            const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            if (null >= 0) {
                ::dup2(null, STDIN_FILENO);
                ::dup2(null, STDOUT_FILENO);
                ::dup2(null, STDERR_FILENO);
            }
            work();
        }
        ::_exit(0);  // no destructors, no atexit: the parent's state is the parent's
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return true;
}

}  // namespace keyhold::platform
