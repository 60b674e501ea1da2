#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "close_descriptors.hpp"
#include "keyhold/platform/process.hpp"
#include "unique_fd.hpp"

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
    // keyhold's own secrets stay with keyhold: a program it starts never gets them.
    const std::vector<std::string> environment = environment_without(
        std::vector<std::string_view>(kKeyholdSecretVariables.begin(), kKeyholdSecretVariables.end()));
    std::vector<char*> envp;
    for (const std::string& variable : environment) {
        envp.push_back(const_cast<char*>(variable.c_str()));
    }
    envp.push_back(nullptr);

    // The grandchild reports a failed exec through this pipe; a successful exec closes it
    // (close-on-exec), which the parent reads as EOF.
    int report[2];
    if (::pipe(report) != 0) {
        return false;
    }
    UniqueFd report_read(report[0]);
    UniqueFd report_write(report[1]);
    ::fcntl(report[0], F_SETFD, FD_CLOEXEC);

    const pid_t child = ::fork();
    if (child < 0) {
        return false;
    }
    if (child == 0) {
        // The child starts the program in a grandchild and ends at once, so the program is
        // nobody's zombie and outlives us without holding this process up.
        const pid_t grandchild = ::fork();
        if (grandchild == 0) {
            ::setsid();
            const int null = ::open("/dev/null", O_RDWR);
            if (null >= 0) {
                ::dup2(null, STDIN_FILENO);
                ::dup2(null, STDOUT_FILENO);
                ::dup2(null, STDERR_FILENO);
            }
            // No descriptor of the caller's (a client's pipe, a lock) but the report pipe.
            ::dup2(report[1], 3);
            ::fcntl(3, F_SETFD, FD_CLOEXEC);
            close_descriptors_from(4);
            ::execve(argv[0], argv.data(), envp.data());
            const int error_number = errno;
            (void)!::write(3, &error_number, sizeof error_number);
            ::_exit(127);
        }
        ::_exit(grandchild < 0 ? 1 : 0);  // no destructors, no atexit: the parent's state is the parent's
    }
    report_write.close();
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    int exec_error = 0;
    ssize_t count = 0;
    while ((count = ::read(report_read.get(), &exec_error, sizeof exec_error)) < 0 && errno == EINTR) {
    }
    // Started: both forks worked and the exec closed the report pipe without a word.
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && count == 0;
}

}  // namespace keyhold::platform
