#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"

namespace keyhold::platform {

// First thing every main does: no core dumps, no ptrace by other processes of the user,
// libsodium ready. Exits with a message if the process cannot be made safe.
void harden_process();

// keyhold's own secrets in its environment, and where they are kept as files: for keyhold
// alone, never for a program it runs.
inline constexpr std::array<std::string_view, 4> kKeyholdSecretVariables = {
    "KEYHOLD_PASSPHRASE", "KEYHOLD_NEW_PASSPHRASE", "KEYHOLD_PASSPHRASE_FILE", "KEYHOLD_NEW_PASSPHRASE_FILE"};

struct ProgramResult {
    int exit_code = 0;
    std::string output;  // its stdout
};

// Runs a program found on PATH with `argv` (never a secret), stdin from /dev/null, stderr
// passed through, this process's environment without kKeyholdSecretVariables, and returns its
// exit code and stdout.
Result<ProgramResult> run_program(const std::vector<std::string>& argv);

// The executable `name` as running it by name would find it on PATH, if any.
std::optional<std::filesystem::path> find_on_path(std::string_view name);
bool is_executable_file(const std::filesystem::path& path);

// Replaces this process with `argv` (found on PATH) and exactly `environment` ("NAME=value"
// strings, which may hold secrets). Returns only when that fails, with why. Windows has no
// exec: the command runs as a child, this process waits and ends with its exit code, having
// wiped `environment` once the child has its copy. A batch file (.bat, .cmd) is run there only
// with arguments that cmd.exe cannot re-read as commands or %VARIABLES%.
Error replace_process(const std::vector<std::string>& argv, std::vector<std::string> environment);

// This process's environment, without the variables named in `dropped`.
std::vector<std::string> environment_without(const std::vector<std::string_view>& dropped);

// Starts `program` with `arguments` (never a secret) detached from this process, as a program
// of its own (no fork of this one, which Windows has not): its own session, stdin, stdout and
// stderr on the null device, none of this process's descriptors or handles. Returns at once;
// false when it could not be started (then nothing runs).
bool start_detached(const std::filesystem::path& program, const std::vector<std::string>& arguments);

// This process's executable file.
Result<std::filesystem::path> current_executable();

// Reads a secret from the controlling terminal with echo off (never from stdin, which the
// credential protocols own). Fails when there is no terminal.
Result<crypto::SecureBuffer> prompt_for_secret(std::string_view prompt);

}  // namespace keyhold::platform
