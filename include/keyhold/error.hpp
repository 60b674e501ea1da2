#pragma once
// Expected failures (bad input, not found, a locked keyring, a damaged store) travel as values;
// each main turns an Error into exactly one line and an exit code, in one place.

#include <expected>
#include <string>
#include <utility>

namespace keyhold {

// What a caller may need to tell apart without reading the sentence.
enum class ErrorKind {
    failed,     // anything else
    too_large,  // input past a limit
};

struct Error {
    // One user-facing sentence: what went wrong, for which thing, and what to do next.
    // It never contains a secret.
    std::string message;
    ErrorKind kind = ErrorKind::failed;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(std::string message) {
    return std::unexpected<Error>(Error{std::move(message)});
}

}  // namespace keyhold
