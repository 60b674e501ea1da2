#include "keyhold/agent/wire.hpp"

#include <string>

#include "support/catch.hpp"

using namespace keyhold;
using namespace keyhold::agent;

TEST_CASE("a request round-trips through its header and body", "[agent]") {
    const std::string body = "registry.example.com\n";
    const std::string bytes = format_request_header(Protocol::docker, "get", body.size()) + body;
    CHECK(bytes.starts_with("keyhold-agent 1 docker get 21\n"));
    const auto request = parse_request(bytes);
    REQUIRE(request);
    CHECK(request->header.protocol == Protocol::docker);
    CHECK(request->header.verb == "get");
    CHECK(request->body == body);
}

TEST_CASE("a request header is parsed strictly", "[agent]") {
    CHECK(parse_request_header("keyhold-agent 1 git get 0"));
    CHECK(parse_request_header("keyhold-agent 1 docker list 65536"));
    for (const char* bad :
         {"", "keyhold-agent 1 docker get", "keyhold-agent 1 docker get 1 extra", "keyhold-agent  1 docker get 1",
          "keyhold-agent 1 docker get 01", "keyhold-agent 1 docker get -1", "keyhold-agent 1 docker get +1",
          "keyhold-agent 1 docker get 65537", "keyhold-agent 1 docker GET 1", "keyhold-agent 1 docker g3t 1",
          "keyhold-agent 1 svn get 1", "keyhold-agent 1 docker abcdefghijklmnopq 1", "keyhold-agent 1 docker get 1 ",
          "keyhold-agent 1 docker get 1\r", "keyhold-agen 1 docker get 1", "keyhold-agent 1 docker get 99999999999"}) {
        INFO(bad);
        CHECK_FALSE(parse_request_header(bad));
    }
    const auto other_version = parse_request_header("keyhold-agent 2 docker get 1");
    REQUIRE_FALSE(other_version);
    CHECK(other_version.error().message.find("version") != std::string::npos);
}

TEST_CASE("a request whose body is shorter or longer than announced is refused", "[agent]") {
    CHECK_FALSE(parse_request("keyhold-agent 1 docker get 5\nabc"));
    CHECK_FALSE(parse_request("keyhold-agent 1 docker get 2\nabc"));
    CHECK_FALSE(parse_request("keyhold-agent 1 docker get 3"));
    CHECK(parse_request("keyhold-agent 1 docker get 3\nabc"));
}

TEST_CASE("a header line longer than the limit is refused before its end arrives", "[agent]") {
    const std::string long_line(kMaxHeaderBytes, 'a');
    CHECK_FALSE(find_header_end(long_line));
    const auto partial = find_header_end("keyhold-agent 1");
    REQUIRE(partial);
    CHECK_FALSE(partial->has_value());
}

TEST_CASE("an answer round-trips with its exit code, stdout and stderr", "[agent]") {
    const auto bytes = format_answer(1, "credentials not found in native keychain\n", "why\n");
    const auto answer = parse_answer(bytes.text());
    REQUIRE(answer);
    CHECK(answer->exit_code == 1);
    CHECK(answer->out == "credentials not found in native keychain\n");
    CHECK(answer->err == "why\n");
    const std::string text(bytes.text());
    CHECK(answer_size(text.substr(0, text.find('\n'))).value() == text.size());
}

TEST_CASE("a cut-short, overlong or malformed answer is refused", "[agent]") {
    CHECK_FALSE(parse_answer("keyhold-agent 1 0 5 0\nabc"));
    CHECK_FALSE(parse_answer("keyhold-agent 1 0 1 0\nabc"));
    CHECK_FALSE(parse_answer("keyhold-agent 1 256 0 0\n"));
    CHECK_FALSE(parse_answer("keyhold-agent 1 0 16777216 1\n"));
    CHECK_FALSE(parse_answer("keyhold-agent 1 0 0\n"));
    CHECK_FALSE(parse_answer(""));
    CHECK(parse_answer("keyhold-agent 1 0 0 0\n"));
}
