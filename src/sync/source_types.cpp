#include "keyhold/sync/source_types.hpp"

#include <algorithm>
#include <array>

#include "source_fetch.hpp"

namespace keyhold::sync {
namespace {

// The first row is the one help and messages name first, and the one an unknown type falls back to.
constexpr std::array<SourceType, 2> kSourceTypes = {{
    {"ignite", "the build-secrets API", fetch_ignite},
    {"gitpod", "Gitpod's SecretService", fetch_gitpod},
}};

}  // namespace

std::span<const SourceType> source_types() { return kSourceTypes; }

const SourceType* find_source_type(std::string_view name) {
    const auto found = std::find_if(kSourceTypes.begin(), kSourceTypes.end(),
                                    [&](const SourceType& type) { return type.name == name; });
    return found == kSourceTypes.end() ? nullptr : &*found;
}

std::string source_type_names() {
    std::string names;
    for (std::size_t i = 0; i < kSourceTypes.size(); ++i) {
        if (i > 0) {
            names += i + 1 == kSourceTypes.size() ? " or " : ", ";
        }
        names += kSourceTypes[i].name;
    }
    return names;
}

}  // namespace keyhold::sync
