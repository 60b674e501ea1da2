#pragma once
// A view of secret bytes that lives in secure memory owned elsewhere.
// It has no stream operator and no conversion to std::string: reading it takes an explicit
// expose(), which only the protocol writers and the store encoder call.

#include <string_view>

namespace keyhold::crypto {

class SecretView {
public:
    SecretView() = default;
    explicit SecretView(std::string_view bytes) : bytes_(bytes) {}

    std::string_view expose() const { return bytes_; }
    std::size_t size() const { return bytes_.size(); }
    bool empty() const { return bytes_.empty(); }

    // Equality of two secrets, in constant time for equal lengths.
    bool same_as(SecretView other) const;

private:
    std::string_view bytes_;
};

}  // namespace keyhold::crypto
