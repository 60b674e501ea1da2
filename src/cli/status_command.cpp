#include <iostream>
#include <map>

#include "commands.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::cli {
namespace {

std::string_view kind_name(store::EntryKind kind) {
    switch (kind) {
        case store::EntryKind::registry:
            return "registry";
        case store::EntryKind::git:
            return "git";
        case store::EntryKind::build_secret:
            return "build secret";
        case store::EntryKind::source_token:
            return "source token";
    }
    return "unknown";
}

}  // namespace

Result<void> run_status() {
    auto location = store::locate_store();
    if (!location) {
        return std::unexpected(location.error());
    }
    std::cout << "store:       " << location->store_file().string() << '\n';
    auto header = store::read_store_header(*location);
    if (!header) {
        return std::unexpected(header.error());
    }
    if (!*header) {
        return fail("there is no keyhold store in " + location->directory.string() +
                    " yet; create one with `keyhold init`");
    }
    std::cout << "store id:    " << store::to_hex((*header)->store_id) << '\n'
              << "protector:   " << (*header)->protector << '\n'
              << "generation:  " << (*header)->generation << '\n';

    auto opened = store::open_store(*location);
    if (!opened) {
        return std::unexpected(opened.error());
    }
    std::map<std::pair<store::EntryKind, std::string_view>, int> counts;
    for (const store::Entry& entry : (*opened)->entries) {
        ++counts[{entry.kind, entry.origin}];
    }
    std::cout << "entries:     " << (*opened)->entries.size() << '\n';
    for (const auto& [kind_and_origin, count] : counts) {
        std::cout << "  " << count << ' ' << kind_name(kind_and_origin.first) << " from " << kind_and_origin.second
                  << '\n';
    }
    return {};
}

}  // namespace keyhold::cli
