#pragma once
// Little-endian fixed-width integers and length-prefixed strings over a byte span: the
// building blocks of the store format. The reader never reads past its span; after the
// first short read every further read fails too.

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

namespace keyhold::encoding {

class ByteWriter {
public:
    explicit ByteWriter(std::span<unsigned char> out) : out_(out) {}

    void u8(std::uint8_t value) { put(value, 1); }
    void u16(std::uint16_t value) { put(value, 2); }
    void u32(std::uint32_t value) { put(value, 4); }
    void u64(std::uint64_t value) { put(value, 8); }
    void bytes(std::span<const unsigned char> data) {
        if (data.empty()) {
            return;  // memcpy from an empty view's null pointer is undefined
        }
        std::memcpy(out_.data() + position_, data.data(), data.size());
        position_ += data.size();
    }
    void text(std::string_view data) {
        bytes({reinterpret_cast<const unsigned char*>(data.data()), data.size()});
    }
    // u32 length, then the bytes.
    void counted(std::string_view data) {
        u32(static_cast<std::uint32_t>(data.size()));
        text(data);
    }

    std::size_t position() const { return position_; }

private:
    void put(std::uint64_t value, int width) {
        for (int i = 0; i < width; ++i) {
            out_[position_++] = static_cast<unsigned char>(value >> (8 * i));
        }
    }

    std::span<unsigned char> out_;
    std::size_t position_ = 0;
};

class ByteReader {
public:
    explicit ByteReader(std::span<const unsigned char> in) : in_(in) {}

    std::optional<std::uint8_t> u8() { return get<std::uint8_t>(1); }
    std::optional<std::uint16_t> u16() { return get<std::uint16_t>(2); }
    std::optional<std::uint32_t> u32() { return get<std::uint32_t>(4); }
    std::optional<std::uint64_t> u64() { return get<std::uint64_t>(8); }

    std::optional<std::span<const unsigned char>> bytes(std::size_t count) {
        if (count > remaining()) {
            position_ = in_.size() + 1;  // poison: every later read fails
            return std::nullopt;
        }
        auto taken = in_.subspan(position_, count);
        position_ += count;
        return taken;
    }
    std::optional<std::string_view> text(std::size_t count) {
        auto taken = bytes(count);
        if (!taken) {
            return std::nullopt;
        }
        return std::string_view(reinterpret_cast<const char*>(taken->data()), taken->size());
    }
    // u32 length, then the bytes.
    std::optional<std::string_view> counted() {
        auto length = u32();
        return length ? text(*length) : std::nullopt;
    }

    std::size_t position() const { return position_; }
    std::size_t remaining() const { return position_ >= in_.size() ? 0 : in_.size() - position_; }
    bool at_end() const { return position_ == in_.size(); }

private:
    template <class T>
    std::optional<T> get(int width) {
        auto taken = bytes(static_cast<std::size_t>(width));
        if (!taken) {
            return std::nullopt;
        }
        std::uint64_t value = 0;
        for (int i = 0; i < width; ++i) {
            value |= std::uint64_t{(*taken)[static_cast<std::size_t>(i)]} << (8 * i);
        }
        return static_cast<T>(value);
    }

    std::span<const unsigned char> in_;
    std::size_t position_ = 0;
};

}  // namespace keyhold::encoding
