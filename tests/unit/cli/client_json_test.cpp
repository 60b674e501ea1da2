#include "cli/client_json.hpp"

#include "support/catch.hpp"

using namespace keyhold::cli;

namespace {

// docker's own style: tabs, its key order, no final newline.
constexpr std::string_view kDockerConfig =
    "{\n\t\"auths\": {\n\t\t\"registry.example\": {}\n\t},\n\t\"psFormat\": \"table\",\n\t\"proxies\": {\n\t\t"
    "\"default\": {\n\t\t\t\"httpProxy\": \"http://proxy:3128\"\n\t\t}\n\t}\n}";

ClientJson parsed(std::string_view text) {
    auto document = parse_client_json(text, "config.json");
    REQUIRE(document);
    return *document;
}

}  // namespace

TEST_CASE("configure keeps every other key, in its place and style", "[cli]") {
    ClientJson document = parsed(kDockerConfig);
    AddedByKeyhold added;
    auto lines = set_creds_store(document, added);
    REQUIRE(lines);
    CHECK(lines->size() == 1);
    CHECK(added.creds_store);
    const std::string text = dump_like(document, kDockerConfig);
    CHECK(text ==
          std::string(kDockerConfig.substr(0, kDockerConfig.size() - 2)) + ",\n\t\"credsStore\": \"keyhold\"\n}");
    CHECK(parsed(text)["proxies"]["default"]["httpProxy"] == "http://proxy:3128");
}

TEST_CASE("a second configure changes nothing", "[cli]") {
    ClientJson document = parsed(kDockerConfig);
    AddedByKeyhold added;
    REQUIRE(set_creds_store(document, added));
    REQUIRE(add_cred_helpers(document, {"a.example", "b.example"}, added));
    const ClientJson once = document;
    AddedByKeyhold again = added;
    auto lines = set_creds_store(document, again);
    REQUIRE(lines);
    CHECK(lines->empty());
    auto helpers = add_cred_helpers(document, {"a.example", "b.example"}, again);
    REQUIRE(helpers);
    CHECK(helpers->empty());
    CHECK(document == once);
}

TEST_CASE("undo removes exactly what keyhold added, byte for byte", "[cli]") {
    for (const std::string_view original :
         {kDockerConfig, std::string_view("{\n  \"credHelpers\": {\n    \"gcr.io\": \"gcloud\"\n  }\n}\n"),
          std::string_view("{\"credsStore\":\"desktop\"}"), std::string_view("{\"credsStore\": \"\"}"),
          std::string_view("{}")}) {
        INFO(original);
        ClientJson document = parsed(original);
        AddedByKeyhold added;
        REQUIRE(set_creds_store(document, added));
        ChangeLines users_entries;
        REQUIRE(add_cred_helpers(document, {"gcr.io", "ghcr.io"}, added, &users_entries));
        CHECK(users_entries.size() == (original.find("gcloud") == std::string_view::npos ? 0U : 1U));
        // Where the file names another helper, the entry stays the user's.
        CHECK(added.cred_helpers.contains("gcr.io") == (original.find("gcloud") == std::string_view::npos));
        undo_keyhold(document, added);
        CHECK(dump_like(document, original) == original);
        CHECK(added.empty());
    }
}

TEST_CASE("undo leaves what someone else wrote since, and what was changed since", "[cli]") {
    ClientJson document = parsed("{}");
    AddedByKeyhold added;
    REQUIRE(set_creds_store(document, added));
    REQUIRE(add_cred_helpers(document, {"a.example", "b.example"}, added));
    CHECK(added.cred_helpers_object);
    document["credHelpers"]["c.example"] = "keyhold";  // the user's own, added by hand
    document["credHelpers"]["b.example"] = "other";    // the user changed it
    document["credsStore"] = "pass";
    undo_keyhold(document, added);
    CHECK(document == ClientJson::parse(R"({"credsStore": "pass",
                                           "credHelpers": {"b.example": "other", "c.example": "keyhold"}})"));
}

TEST_CASE("sync's removal takes only keyhold's entries, and the object keyhold created once empty", "[cli]") {
    ClientJson document = parsed(R"({"auths": {}})");
    AddedByKeyhold added;
    REQUIRE(add_cred_helpers(document, {"a.example", "b.example"}, added));
    const auto lines = remove_cred_helpers(document, {"a.example", "x.example"}, added);
    CHECK(lines == ChangeLines{"credHelpers: removed a.example -> keyhold"});
    CHECK(document["credHelpers"] == ClientJson::parse(R"({"b.example": "keyhold"})"));
    remove_cred_helpers(document, {"b.example"}, added);
    CHECK_FALSE(document.contains("credHelpers"));
}

// nlohmann's parse_error says where it stopped: the end of the token it could not take.
TEST_CASE("a file that does not parse is refused with its name, line and column, not its text", "[cli]") {
    const auto refused =
        parse_client_json("{\n\t\"auths\": {\n\t\t\"x\": {\"auth\": \"c2VjcmV0\" \"y\"\n", "/h/config.json");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.starts_with("/h/config.json is not valid JSON (line 3, column 30)"));
    CHECK(refused.error().message.find("c2VjcmV0") == std::string::npos);
    const auto array = parse_client_json("[1]", "/h/auth.json");
    REQUIRE_FALSE(array);
    CHECK(array.error().message.starts_with("/h/auth.json is JSON but not an object"));
    CHECK(parse_client_json(" \n", "empty.json") == ClientJson::object());
    const auto huge = parse_client_json(R"({"n": 4E500})", "/h/config.json");
    REQUIRE_FALSE(huge);
    CHECK(huge.error().message.starts_with("/h/config.json is not valid JSON (a number too large)"));
}

TEST_CASE("a credHelpers that is not an object, or a credsStore that is no string, is refused", "[cli]") {
    ClientJson document = parsed(R"({"credHelpers": "keyhold", "credsStore": 5})");
    const ClientJson before = document;
    AddedByKeyhold added;
    CHECK_FALSE(add_cred_helpers(document, {"a.example"}, added));
    CHECK_FALSE(set_creds_store(document, added));
    CHECK(added.empty());
    CHECK(document == before);
}

TEST_CASE("dump_like keeps compact files compact and the final newline", "[cli]") {
    const ClientJson document = parsed(R"({"b":1,"a":[2]})");
    CHECK(dump_like(document, "{\"b\":1,\"a\":[2]}\n") == "{\"b\":1,\"a\":[2]}\n");
    CHECK(dump_like(document, "{\"b\": 1, \"a\": [2]}") == "{\"b\": 1, \"a\": [2]}");
    // A ": " inside a string (after an escaped quote, too) is no separator.
    CHECK(dump_like(document, R"({"k\": v":1})") == R"({"b":1,"a":[2]})");
    CHECK(dump_like(document, "{\n    \"b\": 1\n}\n\n") == "{\n    \"b\": 1,\n    \"a\": [\n        2\n    ]\n}\n\n");
    CHECK(dump_like(document, "") == "{\n\t\"b\": 1,\n\t\"a\": [\n\t\t2\n\t]\n}");
}

TEST_CASE("a file nested too deep is refused in one line, not with a stack overflow", "[cli]") {
    // 200000 levels: parsing then adding a key copies them recursively. A bracket inside a
    // string is no nesting.
    const std::string deep = "{\"x\": " + std::string(200000, '[') + std::string(200000, ']') + ", \"auths\": {}}";
    const auto refused = parse_client_json(deep, "config.json");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message ==
          "config.json nests arrays or objects more than 100 deep; keyhold changed nothing: fix or move the file, "
          "then run the command again");
    const std::string fine = "{\"x\": " + std::string(99, '[') + std::string(99, ']') + ", \"s\": \"[[[[\\\"[[[\"}";
    ClientJson document = parsed(fine);
    AddedByKeyhold added;
    REQUIRE(set_creds_store(document, added));
    CHECK(parsed(dump_like(document, fine)) == document);
}

TEST_CASE("the hosts a file's own logins are for, namespaced ones too", "[cli]") {
    // podman reads credHelpers[host] before any auths key of that host: keyhold must not add one.
    const ClientJson document = parsed(
        R"({"auths": {"quay.io/team": {"auth": "bWU6bWluZQ=="}, "ghcr.io": {"identitytoken": "t"},)"
        R"( "marker.example": {}, "empty.example": {"auth": ""}, "bad key@x": {"auth": "eA=="}}})");
    CHECK(hosts_with_credentials(document) == std::set<std::string>{"ghcr.io", "quay.io"});
}
