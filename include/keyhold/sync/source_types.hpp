#pragma once
// The org APIs a source can be (`keyhold source add --type`), one row each: the CLI's check and
// help and the fetch `keyhold sync` runs all read this table, so that a new API is a row here
// and a file of its own beside src/sync/ignite_source.cpp, and nothing else can fall behind.

#include <span>
#include <string>
#include <string_view>

#include "keyhold/store/org_sources.hpp"
#include "keyhold/sync/sync_engine.hpp"

namespace keyhold::sync {

struct Fetched;  // what one fetch brings back (src/sync/source_fetch.hpp)

// Asks the source's API what the org holds now, within `deadline`; never touches the store.
using FetchFunction = Fetched (*)(const store::SourceView& source, const SyncSettings& settings, Deadline deadline);

struct SourceType {
    std::string_view name;  // what --type takes and the store keeps
    std::string_view help;  // what API it is, for people
    FetchFunction fetch;
};

// Every row, in the order help lists them.
std::span<const SourceType> source_types();

// The row named `name`; nullptr when there is none.
const SourceType* find_source_type(std::string_view name);

// The names for a message: "ignite or gitpod".
std::string source_type_names();

}  // namespace keyhold::sync
