#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "keyhold/platform/process.hpp"

extern char** environ;

namespace keyhold::platform {

Error replace_process(const std::vector<std::string>& argv, const std::vector<std::string>& environment) {
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
    ::execvpe(arguments[0], arguments.data(), variables.data());
    return Error{"cannot run " + argv[0] + ": " + std::strerror(errno)};
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
