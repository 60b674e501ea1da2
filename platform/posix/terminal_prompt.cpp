#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <string>

#include "keyhold/platform/files.hpp"
#include "keyhold/platform/process.hpp"
#include "unique_fd.hpp"

namespace keyhold::platform {
namespace {

constexpr std::size_t kMaxSecretBytes = 4096;
constexpr std::array kInterrupting = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

volatile std::sig_atomic_t g_caught_signal = 0;
extern "C" void remember_signal(int signal_number) { g_caught_signal = signal_number; }

// While echo is off, a ^C must not leave the user's terminal silent: signals only interrupt
// the read; echo comes back first, then the signal is delivered as it would have been.
class EchoOff {
public:
    explicit EchoOff(int tty) : tty_(tty) {
        struct sigaction action {};
        action.sa_handler = remember_signal;
        sigemptyset(&action.sa_mask);
        for (std::size_t i = 0; i < kInterrupting.size(); ++i) {
            ::sigaction(kInterrupting[i], &action, &saved_actions_[i]);
        }
        active_ = ::tcgetattr(tty_, &saved_) == 0;
        if (active_) {
            struct termios silent = saved_;
            silent.c_lflag &= static_cast<tcflag_t>(~(ECHO | ECHONL));
            silent.c_lflag |= ICANON;
            ::tcsetattr(tty_, TCSAFLUSH, &silent);
        }
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;
    ~EchoOff() {
        if (active_) {
            ::tcsetattr(tty_, TCSAFLUSH, &saved_);
        }
        for (std::size_t i = 0; i < kInterrupting.size(); ++i) {
            ::sigaction(kInterrupting[i], &saved_actions_[i], nullptr);
        }
        if (g_caught_signal != 0) {
            ::raise(g_caught_signal);
        }
    }

private:
    int tty_;
    bool active_ = false;
    struct termios saved_ {};
    std::array<struct sigaction, kInterrupting.size()> saved_actions_{};
};

}  // namespace

Result<crypto::SecureBuffer> prompt_for_secret(std::string_view prompt) {
    UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
    if (!tty.valid()) {
        return fail("no terminal to ask on");
    }
    crypto::SecureBuffer answer(kMaxSecretBytes);
    std::size_t used = 0;
    {
        g_caught_signal = 0;
        EchoOff echo_off(tty.get());
        (void)write_all(tty.get(), prompt);
        char byte = 0;
        while (g_caught_signal == 0) {
            const ssize_t count = ::read(tty.get(), &byte, 1);
            if (count <= 0 || byte == '\n' || byte == '\r') {
                break;
            }
            if (used == answer.capacity()) {
                (void)write_all(tty.get(), "\n");
                return fail("the answer is longer than " + std::to_string(kMaxSecretBytes) + " bytes");
            }
            answer.data()[used++] = static_cast<unsigned char>(byte);
        }
        (void)write_all(tty.get(), "\n");
    }
    // Still here after a ^C: the process handles it (`keyhold agent` stops on SIGINT, after
    // unlocking; ^Z and fg). What was typed before it is no answer, and a wrong passphrase
    // would be the wrong thing to say.
    if (g_caught_signal != 0) {
        return fail("the prompt was interrupted (signal " + std::to_string(g_caught_signal) + ")");
    }
    answer.resize(used);
    return answer;
}

}  // namespace keyhold::platform
