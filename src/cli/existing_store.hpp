#pragma once
// The store the settings name, read only as far as its header, for the commands that act on
// an existing store without opening it (lock, unlock): one line when there is none yet.

#include "keyhold/settings.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::cli {

struct ExistingStore {
    store::StoreLocation location;
    store::StoreHeader header;
};

inline Result<ExistingStore> existing_store(const Settings& settings) {
    auto location = store::locate_store(settings);
    if (!location) {
        return std::unexpected(location.error());
    }
    auto header = store::read_store_header(*location);
    if (!header) {
        return std::unexpected(header.error());
    }
    if (!*header) {
        return fail("there is no keyhold store in " + location->directory.string() + " yet (see `keyhold init`)");
    }
    return ExistingStore{std::move(*location), std::move(**header)};
}

}  // namespace keyhold::cli
