#include "keyhold/sync/source_types.hpp"

#include "support/catch.hpp"
#include <set>
#include <string>

using namespace keyhold;

TEST_CASE("every source type has a name, a help text and a fetch, and names are unique", "[sync][source-types]") {
    std::set<std::string_view> names;
    for (const sync::SourceType& type : sync::source_types()) {
        INFO(type.name);
        CHECK_FALSE(type.name.empty());
        CHECK_FALSE(type.help.empty());
        CHECK(type.fetch != nullptr);
        CHECK(names.insert(type.name).second);
        CHECK(sync::find_source_type(type.name) == &type);
    }
}

TEST_CASE("the types stores already hold stay known, spelled exactly", "[sync][source-types]") {
    // A source's type is kept in the store as --type spelled it.
    REQUIRE(sync::find_source_type("ignite") != nullptr);
    REQUIRE(sync::find_source_type("gitpod") != nullptr);
    CHECK(sync::source_types().front().name == "ignite");  // what a type no row has is fetched as
    for (const char* other : {"", "Ignite", "GITPOD", "ignite ", "jenkins"}) {
        INFO(other);
        CHECK(sync::find_source_type(other) == nullptr);
    }
    CHECK(sync::source_type_names() == "ignite or gitpod");
}
