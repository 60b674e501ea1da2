#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "keyhold/platform/process.hpp"
#include "unique_fd.hpp"

namespace keyhold::platform {
namespace {

// A pipe whose ends no spawned program inherits (but for the dup2 onto its stdout). pipe2 with
// O_CLOEXEC is Linux's and the BSDs', not macOS's: pipe, then FD_CLOEXEC on each end. keyhold
// starts programs from one thread only (libcurl's resolver threads start none), so no spawn
// can happen between the two calls.
int make_pipe(int (&fds)[2]) {
    if (::pipe(fds) != 0) {
        return errno;
    }
    for (const int fd : fds) {
        if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
            const int error_number = errno;
            ::close(fds[0]);
            ::close(fds[1]);
            return error_number;
        }
    }
    return 0;
}

}  // namespace

Result<ProgramResult> run_program(const std::vector<std::string>& argv) {
    int pipe_fds[2];
    if (const int error_number = make_pipe(pipe_fds); error_number != 0) {
        return fail(std::string("cannot create a pipe: ") + std::strerror(error_number));
    }
    UniqueFd read_end(pipe_fds[0]);
    UniqueFd write_end(pipe_fds[1]);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    std::vector<char*> arguments;
    for (const std::string& argument : argv) {
        arguments.push_back(const_cast<char*>(argument.c_str()));
    }
    arguments.push_back(nullptr);
    const std::vector<std::string> environment = environment_without(
        std::vector<std::string_view>(kKeyholdSecretVariables.begin(), kKeyholdSecretVariables.end()));
    std::vector<char*> variables;
    for (const std::string& variable : environment) {
        variables.push_back(const_cast<char*>(variable.c_str()));
    }
    variables.push_back(nullptr);
    pid_t child = -1;
    const int spawned = ::posix_spawnp(&child, arguments[0], &actions, nullptr, arguments.data(), variables.data());
    posix_spawn_file_actions_destroy(&actions);
    write_end.close();
    if (spawned != 0) {
        return fail("cannot run " + argv[0] + ": " + std::strerror(spawned));
    }

    ProgramResult result;
    char buffer[4096];
    for (;;) {
        const ssize_t count = ::read(read_end.get(), buffer, sizeof buffer);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            break;
        }
        result.output.append(buffer, static_cast<std::size_t>(count));
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            return fail("cannot wait for " + argv[0] + ": " + std::strerror(errno));
        }
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace keyhold::platform
