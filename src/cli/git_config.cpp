#include "git_config.hpp"

#include "keyhold/platform/process.hpp"

namespace keyhold::cli {

Result<std::vector<std::string>> git_config_values(const std::vector<std::string>& arguments) {
    std::vector<std::string> argv = {"git", "config", "-z"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    auto listed = platform::run_program(argv);
    if (!listed) {
        return std::unexpected(listed.error());
    }
    std::string command = "git config";
    for (const std::string& argument : arguments) {
        command += " " + argument;
    }
    // git config exits 1 when nothing is set.
    if (listed->exit_code != 0 && listed->exit_code != 1) {
        return fail("`" + command + "` failed (exit " + std::to_string(listed->exit_code) + ")");
    }
    std::vector<std::string> values;
    std::size_t start = 0;
    for (std::size_t end; (end = listed->output.find('\0', start)) != std::string::npos; start = end + 1) {
        values.push_back(listed->output.substr(start, end - start));
    }
    return values;
}

}  // namespace keyhold::cli
