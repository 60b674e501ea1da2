#pragma once
// Runs a credential helper's entry point in-process on memory files, as a client would run the
// executable: stdin in, stdout, stderr and the exit code out.

#include "support/catch.hpp"

#include <fcntl.h>
#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include <atomic>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/protocol/helper_streams.hpp"
#include "keyhold/settings.hpp"

namespace keyhold::testing {

struct HelperRun {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// A scratch file holding `content`, open for reading and writing at its start, already unlinked
// where the OS allows (POSIX); on Windows it goes with the test's temporary directory.
inline int memory_file(std::string_view content) {
    static std::atomic<int> counter{0};
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() /
        ("keyhold-helper-run-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
#ifdef _WIN32
    const int fd = ::_open(file.string().c_str(), _O_RDWR | _O_CREAT | _O_TRUNC | _O_BINARY | _O_TEMPORARY, 0600);
#else
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    std::filesystem::remove(file);
#endif
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    return fd;
}

// A descriptor on which every write fails (EBADF): a scratch file opened for reading only.
inline int read_only_file() {
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("keyhold-helper-run-read-only-" + std::to_string(::getpid()));
    std::ofstream(file).close();
#ifdef _WIN32
    const int fd = ::_open(file.string().c_str(), _O_RDONLY | _O_BINARY);
#else
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    std::filesystem::remove(file);
#endif
    REQUIRE(fd >= 0);
    return fd;
}

inline std::string drain(int fd) {
    std::string text;
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    char buffer[65536];
    for (ssize_t count; (count = ::read(fd, buffer, sizeof buffer)) > 0;) {
        text.append(buffer, static_cast<std::size_t>(count));
    }
    ::close(fd);
    return text;
}

// `entry` is run_docker_helper or run_git_helper; `args` follow the program name.
template <class EntryPoint>
HelperRun run_helper(EntryPoint entry, std::string_view program, std::vector<std::string_view> args,
                     std::string_view input, const Settings& settings) {
    args.insert(args.begin(), program);
    protocol::HelperStreams streams{memory_file(input), memory_file(""), memory_file("")};
    HelperRun run;
    run.exit_code = entry(std::span<const std::string_view>(args), streams, settings);
    ::close(streams.in_fd);
    run.out = drain(streams.out_fd);
    run.err = drain(streams.err_fd);
    return run;
}

// With the settings the environment holds now, as the program's main reads them.
template <class EntryPoint>
HelperRun run_helper(EntryPoint entry, std::string_view program, std::vector<std::string_view> args,
                     std::string_view input) {
    return run_helper(entry, program, std::move(args), input, settings_from_environment());
}

}  // namespace keyhold::testing
