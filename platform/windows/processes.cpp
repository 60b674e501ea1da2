// Programs on Windows: CreateProcessW where POSIX has posix_spawn, fork and exec. Windows
// has no exec, so `keyhold exec` starts the command, waits for it and ends with its exit code.

#include "win32.hpp"  // windows.h, before the other Windows headers

#include <sodium.h>

#include <algorithm>
#include <cwctype>

#include "keyhold/platform/process.hpp"

namespace keyhold::platform {
namespace {

// One argument as the C runtime's parser (CommandLineToArgvW) reads it back: quoted when it
// has blanks or quotes, backslashes doubled only before a quote.
void append_quoted(std::wstring& line, std::wstring_view argument) {
    if (!argument.empty() && argument.find_first_of(L" \t\n\v\"") == std::wstring_view::npos) {
        line += argument;
        return;
    }
    line += L'"';
    std::size_t backslashes = 0;
    for (const wchar_t c : argument) {
        if (c == L'\\') {
            ++backslashes;
            continue;
        }
        line.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
        backslashes = 0;
        line += c;
    }
    line.append(backslashes * 2, L'\\');
    line += L'"';
}

std::wstring command_line(const std::vector<std::wstring>& arguments) {
    std::wstring line;
    for (const std::wstring& argument : arguments) {
        if (!line.empty()) {
            line += L' ';
        }
        append_quoted(line, argument);
    }
    return line;
}

bool same_name(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) { return std::toupper(static_cast<unsigned char>(x)) ==
                                                                std::toupper(static_cast<unsigned char>(y)); });
}

// The program `name` names: as given when it has a directory, else found on PATH.
Result<std::filesystem::path> program_path(const std::string& name) {
    const std::filesystem::path given = std::filesystem::path(win32::widen(name));
    if (given.has_parent_path()) {
        return given;
    }
    if (auto found = find_on_path(name)) {
        return *found;
    }
    return fail("cannot run " + name + ": it is not on PATH");
}

std::vector<std::wstring> wide_arguments(const std::filesystem::path& program, const std::vector<std::string>& argv) {
    std::vector<std::wstring> arguments{program.native()};
    for (std::size_t i = 1; i < argv.size(); ++i) {
        arguments.push_back(win32::widen(argv[i]));
    }
    return arguments;
}

// A block of "NAME=value\0" ending in an extra "\0", as CreateProcessW takes it. A NUL inside
// a variable would end it early and make what follows a variable of its own: refused.
Result<std::wstring> environment_block(const std::vector<std::string>& environment) {
    std::wstring block;
    for (const std::string& variable : environment) {
        if (variable.find('\0') != std::string::npos) {
            sodium_memzero(block.data(), block.size() * sizeof(wchar_t));
            return fail("an environment variable for the command holds a NUL byte; nothing was run");
        }
        block += win32::widen(variable);
        block += L'\0';
    }
    block += L'\0';
    return block;
}

bool is_batch_file(const std::filesystem::path& program) {
    std::wstring extension = program.extension().native();
    for (wchar_t& c : extension) {
        c = static_cast<wchar_t>(std::towlower(c));
    }
    return extension == L".bat" || extension == L".cmd";
}

// CreateProcessW runs a batch file through cmd.exe, which reads its command line again with
// rules of its own: a quote ends quoting, & | < > ^ ( ) run or redirect, %NAME% and !NAME!
// expand variables (the build secrets among them), even inside quotes ("BatBadBut",
// CVE-2024-24576). An argument with any of these cannot be passed to one safely.
Result<void> check_batch_arguments(const std::filesystem::path& program, const std::vector<std::string>& argv) {
    if (!is_batch_file(program)) {
        return {};
    }
    for (std::size_t i = 1; i < argv.size(); ++i) {
        if (argv[i].find_first_of("\"%!&|<>^()\r\n") != std::string::npos) {
            return fail("argument " + std::to_string(i) + " cannot be passed safely to the batch file " +
                        win32::narrow(program.filename().native()) +
                        " (cmd.exe would read its quotes, & | < > ^ ( ), %VARIABLES% or !VARIABLES! again); "
                        "run the program's .exe, or `cmd /c` with a command line you wrote");
        }
    }
    return {};
}

}  // namespace

std::vector<std::string> environment_without(const std::vector<std::string_view>& dropped) {
    std::vector<std::string> kept;
    wchar_t* block = ::GetEnvironmentStringsW();
    if (block == nullptr) {
        return kept;
    }
    for (const wchar_t* variable = block; *variable != L'\0'; variable += std::wcslen(variable) + 1) {
        std::string text = win32::narrow(variable);
        // Names like "=C:" (the current directory of each drive) start with '='.
        const std::string_view name = std::string_view(text).substr(0, text.find('=', 1));
        // Windows compares variable names without case: KEYHOLD_PASSPHRASE is keyhold_passphrase.
        if (std::none_of(dropped.begin(), dropped.end(), [&](std::string_view gone) { return same_name(name, gone); })) {
            kept.push_back(std::move(text));
        }
    }
    ::FreeEnvironmentStringsW(block);
    return kept;
}

bool is_executable_file(const std::filesystem::path& path) {
    std::error_code error;
    return std::filesystem::is_regular_file(path, error);
}

// As CreateProcess's own search would: each directory of PATH, and each PATHEXT suffix when the
// name has none.
std::optional<std::filesystem::path> find_on_path(std::string_view name) {
    const DWORD path_size = ::GetEnvironmentVariableW(L"PATH", nullptr, 0);
    std::wstring path(path_size, L'\0');
    path.resize(::GetEnvironmentVariableW(L"PATH", path.data(), path_size));
    std::vector<std::wstring> suffixes{L""};
    if (!std::filesystem::path(win32::widen(name)).has_extension()) {
        suffixes = {L".exe", L".com", L".bat", L".cmd"};
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find(L';', start), path.size());
        const std::wstring directory = path.substr(start, end - start);
        start = end + 1;
        if (directory.empty()) {
            continue;  // unlike POSIX, an empty entry is not the current directory
        }
        for (const std::wstring& suffix : suffixes) {
            const std::filesystem::path candidate = std::filesystem::path(directory) / (win32::widen(name) + suffix);
            if (is_executable_file(candidate)) {
                return candidate;
            }
        }
    }
    return std::nullopt;
}

Result<ProgramResult> run_program(const std::vector<std::string>& argv) {
    auto program = program_path(argv.at(0));
    if (!program) {
        return std::unexpected(program.error());
    }
    SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    HANDLE read_end = nullptr;
    HANDLE write_end = nullptr;
    if (!::CreatePipe(&read_end, &write_end, &inheritable, 0)) {
        return std::unexpected(win32::last_error("create a pipe for", argv[0]));
    }
    win32::UniqueHandle reader(read_end);
    win32::UniqueHandle writer(write_end);
    ::SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0);
    win32::UniqueHandle null_input(::CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                                 &inheritable, OPEN_EXISTING, 0, nullptr));

    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdInput = null_input.get();
    startup.hStdOutput = write_end;
    startup.hStdError = ::GetStdHandle(STD_ERROR_HANDLE);
    if (auto safe = check_batch_arguments(*program, argv); !safe) {
        return std::unexpected(safe.error());
    }
    std::wstring line = command_line(wide_arguments(*program, argv));
    auto environment = environment_block(environment_without(
        std::vector<std::string_view>(kKeyholdSecretVariables.begin(), kKeyholdSecretVariables.end())));
    if (!environment) {
        return std::unexpected(environment.error());
    }
    PROCESS_INFORMATION child{};
    if (!::CreateProcessW(program->c_str(), line.data(), nullptr, nullptr, TRUE, CREATE_UNICODE_ENVIRONMENT,
                          environment->data(), nullptr, &startup, &child)) {
        return std::unexpected(win32::last_error("run", argv[0]));
    }
    win32::UniqueHandle process(child.hProcess);
    win32::UniqueHandle thread(child.hThread);
    writer.reset();  // the child holds the only write end: EOF when it ends

    ProgramResult result;
    char buffer[4096];
    DWORD count = 0;
    while (::ReadFile(read_end, buffer, sizeof buffer, &count, nullptr) && count > 0) {
        result.output.append(buffer, count);
    }
    ::WaitForSingleObject(process.get(), INFINITE);
    DWORD exit_code = 0;
    ::GetExitCodeProcess(process.get(), &exit_code);
    result.exit_code = static_cast<int>(exit_code);
    return result;
}

Error replace_process(const std::vector<std::string>& argv, std::vector<std::string> environment) {
    // The variables hold secrets: wiped once the child has its copy, or when nothing runs.
    const auto wipe = [&](std::wstring* block) {
        for (std::string& variable : environment) {
            sodium_memzero(variable.data(), variable.size());
        }
        if (block != nullptr) {
            sodium_memzero(block->data(), block->size() * sizeof(wchar_t));
        }
    };
    auto program = program_path(argv.at(0));
    if (!program) {
        wipe(nullptr);
        return program.error();
    }
    if (auto safe = check_batch_arguments(*program, argv); !safe) {
        wipe(nullptr);
        return safe.error();
    }
    std::wstring line = command_line(wide_arguments(*program, argv));
    auto block = environment_block(environment);
    if (!block) {
        wipe(nullptr);
        return block.error();
    }
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION child{};
    const BOOL started = ::CreateProcessW(program->c_str(), line.data(), nullptr, nullptr, TRUE,
                                          CREATE_UNICODE_ENVIRONMENT, block->data(), nullptr, &startup, &child);
    const DWORD code = ::GetLastError();
    wipe(&*block);
    if (!started) {
        return Error{"cannot run " + argv[0] + ": " + win32::message_for(code)};
    }
    ::CloseHandle(child.hThread);
    ::WaitForSingleObject(child.hProcess, INFINITE);
    DWORD exit_code = 1;
    ::GetExitCodeProcess(child.hProcess, &exit_code);
    ::ExitProcess(exit_code);  // as exec would: this process's answer is the command's
}

bool start_detached(const std::filesystem::path& program, const std::vector<std::string>& arguments) {
    std::vector<std::wstring> wide{program.native()};
    for (const std::string& argument : arguments) {
        wide.push_back(win32::widen(argument));
    }
    std::wstring line = command_line(wide);
    // keyhold's own secrets stay with keyhold: a program it starts never gets them.
    auto environment = environment_block(environment_without(
        std::vector<std::string_view>(kKeyholdSecretVariables.begin(), kKeyholdSecretVariables.end())));
    if (!environment) {
        return false;
    }
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION child{};
    // No handle of ours (bInheritHandles FALSE), no console, its own process group: it goes on
    // after we end and a Ctrl+C meant for us does not reach it.
    if (!::CreateProcessW(program.c_str(), line.data(), nullptr, nullptr, FALSE,
                          DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP | CREATE_UNICODE_ENVIRONMENT,
                          environment->data(), nullptr, &startup, &child)) {
        return false;
    }
    ::CloseHandle(child.hThread);
    ::CloseHandle(child.hProcess);
    return true;
}

Result<std::filesystem::path> current_executable() {
    std::wstring buffer(MAX_PATH, L'\0');
    for (;;) {
        const DWORD length = ::GetModuleFileNameW(nullptr, buffer.data(), static_cast<DWORD>(buffer.size()));
        if (length == 0) {
            return std::unexpected(win32::last_error("find", "this executable"));
        }
        if (length < buffer.size()) {
            buffer.resize(length);
            return std::filesystem::path(buffer);
        }
        buffer.resize(buffer.size() * 2);
    }
}
}  // namespace keyhold::platform
