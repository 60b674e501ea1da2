#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "keyhold/platform/process.hpp"

extern char** environ;

namespace keyhold::platform {

bool start_detached(const std::filesystem::path& program, const std::vector<std::string>& arguments) {
    // Everything the children use is made here: between fork and exec only async-signal-safe
    // calls are allowed.
    const std::string path = program.string();
    std::vector<char*> argv{const_cast<char*>(path.c_str())};
    for (const std::string& argument : arguments) {
        argv.push_back(const_cast<char*>(argument.c_str()));
    }
    argv.push_back(nullptr);

    const pid_t child = ::fork();
    if (child < 0) {
        return false;
    }
    if (child == 0) {
        // The child starts the program in a grandchild and ends at once, so the program is
        // nobody's zombie and outlives us without holding this process up.
        if (::fork() == 0) {
            ::setsid();
            const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            if (null >= 0) {
                ::dup2(null, STDIN_FILENO);
                ::dup2(null, STDOUT_FILENO);
                ::dup2(null, STDERR_FILENO);
            }
            ::execve(argv[0], argv.data(), environ);
        }
        ::_exit(0);  // no destructors, no atexit: the parent's state is the parent's
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::optional<std::filesystem::path> sibling_executable(std::string_view name) {
    auto self = current_executable();
    if (!self) {
        return std::nullopt;
    }
    std::filesystem::path sibling = self->parent_path() / name;
    return is_executable_file(sibling) ? std::optional(sibling) : std::nullopt;
}

}  // namespace keyhold::platform
