#include "keyhold/sync/http_client.hpp"

#include "support/catch.hpp"

using keyhold::sync::HttpResponse;
using keyhold::sync::read_response_header;

TEST_CASE("ETag, Location and Retry-After are read from their header lines, in any letter case", "[sync]") {
    HttpResponse response;
    read_response_header("HTTP/1.1 429 Too Many Requests\r\n", response);
    read_response_header("etag:  \"v42\" \r\n", response);
    read_response_header("LOCATION: https://elsewhere.example/\r\n", response);
    read_response_header("Retry-After: 120\r\n", response);
    CHECK(response.etag == "\"v42\"");
    CHECK(response.location == "https://elsewhere.example/");
    REQUIRE(response.retry_after);
    CHECK(response.retry_after->count() == 120);
}

TEST_CASE("an ETag or Location with a control character is ignored", "[sync]") {
    // The ETag goes back in If-None-Match: a CR in it could split that request's headers.
    HttpResponse response;
    read_response_header("ETag: \rX-Injected: 1\r\n", response);
    read_response_header("Location: https://a.example/\x1b[2J\r\n", response);
    CHECK(response.etag.empty());
    CHECK(response.location.empty());
}

TEST_CASE("a Retry-After that is a date or negative leaves the wait to the backoff", "[sync]") {
    HttpResponse response;
    read_response_header("Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n", response);
    read_response_header("Retry-After: -5\r\n", response);
    CHECK_FALSE(response.retry_after);
}

TEST_CASE("a bearer token is printable ASCII without spaces, so it cannot write a header of its own", "[sync]") {
    CHECK(keyhold::sync::is_bearer_token("ghp_abcDEF123-._~+/=="));
    for (const std::string_view bad : {std::string_view("tok\r\nX-Evil: 1"), std::string_view("tok\0x", 5),
                                       std::string_view("two words"), std::string_view("caf\xC3\xA9")}) {
        CHECK_FALSE(keyhold::sync::is_bearer_token(bad));
    }
}

TEST_CASE("plain http only to an address that is loopback, never to a name that reads like one", "[sync]") {
    using keyhold::sync::check_url_allowed;
    for (const char* allowed : {"http://127.0.0.1:8080", "http://127.1.2.3/", "http://[::1]:9/",
                                "http://[::ffff:127.0.0.1]/", "http://localhost:1",
                                "https://api.example.com"}) {
        INFO(allowed);
        CHECK(check_url_allowed(allowed));
    }
    for (const char* refused : {"http://127.attacker.example", "http://127.0.0.1.example/", "http://localhost.example",
                                "http://[::2]/", "http://10.0.0.1/", "https:///v1", "https://u:p@api.example.com",
                                "ftp://127.0.0.1/"}) {
        INFO(refused);
        CHECK_FALSE(check_url_allowed(refused));
    }
}
