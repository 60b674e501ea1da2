// A secret typed at the console with echo off: CONIN$ and CONOUT$ (never stdin, which the
// credential protocols own), read as UTF-16 and handed on as UTF-8 in secure memory.

#include "win32.hpp"  // windows.h, before the other Windows headers

#include <sodium.h>

#include <array>
#include <atomic>

#include "keyhold/platform/process.hpp"

namespace keyhold::platform {
namespace {

// In UTF-16 units, each at most 3 bytes of UTF-8 (a pair: 4 bytes for 2 units).
constexpr std::size_t kMaxSecretCharacters = 2048;

std::atomic<HANDLE> g_console_input{nullptr};
std::atomic<DWORD> g_saved_mode{0};

// A Ctrl+C during the prompt must not leave the console silent: echo comes back, then the
// default handler ends the process as it would have.
BOOL WINAPI restore_echo(DWORD) {
    if (HANDLE input = g_console_input.load()) {
        ::SetConsoleMode(input, g_saved_mode.load());
    }
    return FALSE;
}

class EchoOff {
public:
    explicit EchoOff(HANDLE input) : input_(input) {
        DWORD mode = 0;
        active_ = ::GetConsoleMode(input_, &mode) != 0;
        if (active_) {
            g_saved_mode = mode;
            g_console_input = input_;
            ::SetConsoleCtrlHandler(restore_echo, TRUE);
            ::SetConsoleMode(input_, (mode & ~static_cast<DWORD>(ENABLE_ECHO_INPUT)) | ENABLE_LINE_INPUT |
                                         ENABLE_PROCESSED_INPUT);
        }
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;
    ~EchoOff() {
        if (active_) {
            ::SetConsoleMode(input_, g_saved_mode);
            ::SetConsoleCtrlHandler(restore_echo, FALSE);
            g_console_input = nullptr;
        }
    }

private:
    HANDLE input_;
    bool active_ = false;
};

void write_console(HANDLE output, std::wstring_view text) {
    DWORD written = 0;
    ::WriteConsoleW(output, text.data(), static_cast<DWORD>(text.size()), &written, nullptr);
}

}  // namespace

Result<crypto::SecureBuffer> prompt_for_secret(std::string_view prompt) {
    win32::UniqueHandle input(::CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                            nullptr, OPEN_EXISTING, 0, nullptr));
    win32::UniqueHandle output(::CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE,
                                             FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING, 0, nullptr));
    DWORD mode = 0;
    if (!input.valid() || !output.valid() || !::GetConsoleMode(input.get(), &mode)) {
        return fail("no console to ask on");
    }
    std::array<wchar_t, kMaxSecretCharacters + 2> typed{};
    DWORD count = 0;
    {
        EchoOff echo_off(input.get());
        write_console(output.get(), win32::widen(prompt));
        const BOOL read = ::ReadConsoleW(input.get(), typed.data(), static_cast<DWORD>(typed.size()), &count, nullptr);
        write_console(output.get(), L"\r\n");
        if (!read) {
            sodium_memzero(typed.data(), sizeof typed);
            return fail("cannot read the console: " + win32::message_for(::GetLastError()));
        }
    }
    std::size_t length = count;
    while (length > 0 && (typed[length - 1] == L'\n' || typed[length - 1] == L'\r')) {
        --length;
    }
    if (length > kMaxSecretCharacters) {
        // The rest of the line is still in the console's buffer: the next reader (the shell)
        // would take it as a command.
        ::FlushConsoleInputBuffer(input.get());
        sodium_memzero(typed.data(), sizeof typed);
        return fail("the answer is longer than " + std::to_string(kMaxSecretCharacters) + " characters");
    }
    const int bytes = ::WideCharToMultiByte(CP_UTF8, 0, typed.data(), static_cast<int>(length), nullptr, 0, nullptr,
                                            nullptr);
    crypto::SecureBuffer answer(static_cast<std::size_t>(bytes));
    ::WideCharToMultiByte(CP_UTF8, 0, typed.data(), static_cast<int>(length), reinterpret_cast<char*>(answer.data()),
                          bytes, nullptr, nullptr);
    sodium_memzero(typed.data(), sizeof typed);
    return answer;
}

}  // namespace keyhold::platform
