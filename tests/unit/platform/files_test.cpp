#include "support/catch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "keyhold/platform/files.hpp"
#include "support/test_support.hpp"

using namespace keyhold;
using testing::TempDir;

namespace {

// Whether some process holds the flock on `file`, asked without waiting.
bool is_locked(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    const bool locked = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return locked;
}

struct Pipe {
    int read_end = -1;
    int write_end = -1;
    Pipe() {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);  // pipe2 is not macOS's
        REQUIRE(::fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0);
        REQUIRE(::fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0);
        read_end = fds[0];
        write_end = fds[1];
    }
    ~Pipe() {
        ::close(read_end);
        ::close(write_end);
    }
};

}  // namespace

TEST_CASE("the lock is held while the object lives", "[platform][lock]") {
    TempDir temp;
    const auto lock_file = temp.path() / "store.lock";
    {
        auto lock = platform::ExclusiveLock::acquire(lock_file);
        REQUIRE(lock);
        CHECK(is_locked(lock_file));
    }
    CHECK_FALSE(is_locked(lock_file));
}

TEST_CASE("a child process does not inherit the lock", "[platform][lock]") {
    TempDir temp;
    const auto lock_file = temp.path() / "store.lock";
    pid_t child = -1;
    {
        auto lock = platform::ExclusiveLock::acquire(lock_file);
        REQUIRE(lock);
        child = ::fork();
        if (child == 0) {
            ::execl("/bin/sleep", "sleep", "5", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        REQUIRE(child > 0);
        ::usleep(50'000);  // let exec happen, closing close-on-exec descriptors
    }
    // Had the sleeping child inherited the descriptor, it would still hold the lock.
    CHECK_FALSE(is_locked(lock_file));
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
}

TEST_CASE("a killed lock holder releases the lock", "[platform][lock]") {
    TempDir temp;
    const auto lock_file = temp.path() / "store.lock";
    Pipe ready;
    const pid_t child = ::fork();
    if (child == 0) {
        auto lock = platform::ExclusiveLock::acquire(lock_file);
        char byte = lock ? 'y' : 'n';
        (void)!::write(ready.write_end, &byte, 1);
        ::pause();
        ::_exit(0);
    }
    REQUIRE(child > 0);
    char byte = 0;
    REQUIRE(::read(ready.read_end, &byte, 1) == 1);
    REQUIRE(byte == 'y');
    CHECK(is_locked(lock_file));
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    const auto start = std::chrono::steady_clock::now();
    auto lock = platform::ExclusiveLock::acquire(lock_file);
    CHECK(lock);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_CASE("a second locker waits until the first releases", "[platform][lock]") {
    TempDir temp;
    const auto lock_file = temp.path() / "store.lock";
    Pipe ready;
    const pid_t child = ::fork();
    if (child == 0) {
        auto lock = platform::ExclusiveLock::acquire(lock_file);
        char byte = 'y';
        (void)!::write(ready.write_end, &byte, 1);
        ::usleep(300'000);
        ::_exit(0);
    }
    char byte = 0;
    REQUIRE(::read(ready.read_end, &byte, 1) == 1);
    const auto start = std::chrono::steady_clock::now();
    auto lock = platform::ExclusiveLock::acquire(lock_file);
    CHECK(lock);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(200));
    ::waitpid(child, nullptr, 0);
}

TEST_CASE("atomic replacement leaves exactly the new content, mode 0600, no temporaries", "[platform][files]") {
    TempDir temp;
    const auto target = temp.path() / "store";
    testing::write_bytes(target, {9, 9, 9});
    const std::vector<unsigned char> content = {1, 2, 3, 4};
    REQUIRE(platform::replace_file_atomically(target, content));
    CHECK(testing::read_bytes(target) == content);
    CHECK((std::filesystem::status(target).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    CHECK(std::distance(std::filesystem::directory_iterator(temp.path()), std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("atomic replacement replaces a symbolic link instead of writing through it", "[platform][files]") {
    TempDir temp;
    const auto elsewhere = temp.path() / "elsewhere";
    testing::write_bytes(elsewhere, {7});
    const auto target = temp.path() / "store";
    std::filesystem::create_symlink(elsewhere, target);
    REQUIRE(platform::replace_file_atomically(target, std::vector<unsigned char>{1}));
    CHECK(testing::read_bytes(elsewhere) == std::vector<unsigned char>{7});
    CHECK_FALSE(std::filesystem::is_symlink(target));
}

TEST_CASE("reading input stops with an error past the limit", "[platform][files]") {
    Pipe pipe;
    const std::string input(5000, 'x');
    REQUIRE(::write(pipe.write_end, input.data(), input.size()) == 5000);
    ::close(pipe.write_end);
    pipe.write_end = -1;
    CHECK_FALSE(platform::read_all(pipe.read_end, 4999));
}

TEST_CASE("reading input up to the limit keeps every byte", "[platform][files]") {
    Pipe pipe;
    std::string input(70000, 'x');
    input.back() = 'y';
    const pid_t writer = ::fork();
    if (writer == 0) {
        (void)!::write(pipe.write_end, input.data(), input.size());
        ::_exit(0);
    }
    ::close(pipe.write_end);
    pipe.write_end = -1;
    auto read = platform::read_all(pipe.read_end, 70000);
    ::waitpid(writer, nullptr, 0);
    REQUIRE(read);
    CHECK(read->text() == input);
}

TEST_CASE("a FIFO where a private file or a lock file belongs is refused at once, never waited on",
          "[platform][files]") {
    TempDir dir;
    const auto fifo = dir.path() / "store";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Without O_NONBLOCK the open would wait for a writer forever; the alarm ends the test instead.
    ::alarm(10);
    auto read = platform::read_private_file(fifo, 1024);
    auto lock = platform::ExclusiveLock::acquire(fifo);
    ::alarm(0);
    REQUIRE_FALSE(read);
    CHECK_THAT(read.error().message, Catch::Contains("not a regular file"));
    REQUIRE_FALSE(lock);
    CHECK_THAT(lock.error().message, Catch::Contains("not a regular file"));
}
