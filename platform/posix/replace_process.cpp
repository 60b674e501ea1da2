#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "keyhold/platform/process.hpp"

extern char** environ;

namespace keyhold::platform {
namespace {

// execvpe(3) as glibc has it, which macOS has not: `name` with a slash is run as it is, else each
// directory of this process's PATH is tried in order (an empty one meaning the current), going
// on past the ones where it is missing or not ours to run; a file the kernel will not execute
// (ENOEXEC: a script without #!) is run by /bin/sh, as execvp does. Returns why it failed.
int exec_on_path(const std::string& name, char* const* arguments, char* const* variables) {
    const auto run = [&](const std::string& file) {
        ::execve(file.c_str(), arguments, variables);
        if (errno == ENOEXEC) {
            std::vector<char*> shell{const_cast<char*>("sh"), const_cast<char*>(file.c_str())};
            for (char* const* argument = arguments + 1; *argument != nullptr; ++argument) {
                shell.push_back(*argument);
            }
            shell.push_back(nullptr);
            ::execve("/bin/sh", shell.data(), variables);
            errno = ENOEXEC;
        }
        return errno;
    };
    if (name.empty()) {
        return ENOENT;
    }
    if (name.find('/') != std::string::npos) {
        return run(name);
    }
    const char* path = std::getenv("PATH");
    const std::string_view directories = path != nullptr ? path : "/bin:/usr/bin";
    bool denied = false;
    for (std::size_t start = 0; start <= directories.size();) {
        const std::size_t end = std::min(directories.find(':', start), directories.size());
        const std::string_view directory = directories.substr(start, end - start);
        start = end + 1;
        const int error_number = run((directory.empty() ? std::string(".") : std::string(directory)) + "/" + name);
        switch (error_number) {
            case EACCES:
                denied = true;  // as execvp: go on, and report it if nothing else runs
                break;
            case ENOENT:
            case ENOTDIR:
            case ESTALE:
            case ETIMEDOUT:
            case ENODEV:
                break;
            default:
                return error_number;
        }
    }
    return denied ? EACCES : ENOENT;
}

}  // namespace

Error replace_process(const std::vector<std::string>& argv, std::vector<std::string> environment) {
    std::vector<char*> arguments;
    for (const std::string& argument : argv) {
        arguments.push_back(const_cast<char*>(argument.c_str()));
    }
    arguments.push_back(nullptr);
    std::vector<char*> variables;
    for (const std::string& variable : environment) {
        variables.push_back(const_cast<char*>(variable.c_str()));
    }
    variables.push_back(nullptr);
    const int error_number = exec_on_path(argv[0], arguments.data(), variables.data());
    return Error{"cannot run " + argv[0] + ": " + std::strerror(error_number)};
}

std::vector<std::string> environment_without(const std::vector<std::string_view>& dropped) {
    std::vector<std::string> kept;
    for (char** variable = environ; *variable != nullptr; ++variable) {
        const std::string_view text(*variable);
        const std::string_view name = text.substr(0, text.find('='));
        if (std::find(dropped.begin(), dropped.end(), name) == dropped.end()) {
            kept.emplace_back(text);
        }
    }
    return kept;
}

}  // namespace keyhold::platform
