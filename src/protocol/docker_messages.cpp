#include "keyhold/protocol/docker_messages.hpp"

#include <nlohmann/json.hpp>

#include <cstring>

namespace keyhold::protocol {
namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

// Go's encoding/json, which the reference helpers use: a field name matches case-insensitively,
// a null leaves the field empty, a later duplicate wins, and any other type is an error.
Result<std::string_view> string_field(const nlohmann::ordered_json& request, std::string_view name) {
    std::string_view value;
    for (const auto& [key, field] : request.items()) {
        if (!equal_ignoring_case(key, name)) {
            continue;
        }
        if (field.is_null()) {
            value = {};
        } else if (field.is_string()) {
            value = field.get_ref<const std::string&>();
        } else {
            return fail("invalid store request: " + std::string(name) + " must be a string");
        }
    }
    return value;
}

// The length of the JSON number (RFC 8259, section 6) at the start of `text`, or 0.
std::size_t json_number_length(std::string_view text) {
    std::size_t i = 0;
    const auto digits = [&] {
        const std::size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            ++i;
        }
        return i - start;
    };
    if (i < text.size() && text[i] == '-') {
        ++i;
    }
    const std::size_t integer_start = i;
    const std::size_t integer_digits = digits();
    if (integer_digits == 0 || (integer_digits > 1 && text[integer_start] == '0')) {
        return 0;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        if (digits() == 0) {
            return 0;
        }
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
            ++i;
        }
        if (digits() == 0) {
            return 0;
        }
    }
    return i;
}

// The request with every number outside a string written as 0. Go's encoding/json skips an
// unknown field's value without converting it, so {"X": 1e999} is a valid request to docker's
// helpers; nlohmann's parser refuses the whole text over a number it cannot hold. No field
// keyhold reads is a number, so nothing it reads changes; an invalid number is left as it is
// for the parser to refuse. The copy is in secure memory: the text holds the secret.
crypto::SecureBuffer with_numbers_as_zero(std::string_view json) {
    crypto::SecureBuffer copy(json.size());
    std::size_t used = 0;
    const auto emit = [&](std::string_view text) {
        std::memcpy(copy.data() + used, text.data(), text.size());
        used += text.size();
    };
    bool in_string = false;
    for (std::size_t i = 0; i < json.size();) {
        const char c = json[i];
        if (in_string) {
            const std::size_t length = c == '\\' && i + 1 < json.size() ? 2 : 1;
            in_string = c != '"';
            emit(json.substr(i, length));
            i += length;
        } else if (c == '"') {
            in_string = true;
            emit(json.substr(i, 1));
            ++i;
        } else if (const std::size_t length = (c == '-' || (c >= '0' && c <= '9')) ? json_number_length(json.substr(i)) : 0;
                   length > 0) {
            emit("0");
            i += length;
        } else {
            emit(json.substr(i, 1));
            ++i;
        }
    }
    copy.resize(used);
    return copy;
}

}  // namespace

Result<DockerCredentials> parse_store_request(std::string_view json, crypto::SecureBuffer& storage) {
    // No parser message reaches the user: nlohmann's quote the text they stopped at, which
    // may be the secret.
    if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return fail("invalid store request: stdin is empty");
    }
    const crypto::SecureBuffer neutral = with_numbers_as_zero(json);
    const auto request = nlohmann::ordered_json::parse(neutral.text(), nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded()) {
        return fail("invalid store request: stdin is not valid JSON");
    }
    if (!request.is_object()) {
        return fail("invalid store request: stdin is not a JSON object with ServerURL, Username and Secret");
    }
    auto server_url = string_field(request, "ServerURL");
    auto username = string_field(request, "Username");
    auto secret = string_field(request, "Secret");
    for (const auto* field : {&server_url, &username, &secret}) {
        if (!*field) {
            return std::unexpected(field->error());
        }
    }

    storage = crypto::SecureBuffer(server_url->size() + username->size() + secret->size());
    char* cursor = reinterpret_cast<char*>(storage.data());
    const auto keep = [&cursor](std::string_view value) {
        if (!value.empty()) {
            std::memcpy(cursor, value.data(), value.size());
        }
        const std::string_view kept(cursor, value.size());
        cursor += value.size();
        return kept;
    };
    DockerCredentials credentials;
    credentials.server_url = keep(*server_url);
    credentials.username = keep(*username);
    credentials.secret = crypto::SecretView(keep(*secret));
    return credentials;
}

crypto::SecureBuffer format_get_response(const DockerCredentials& credentials) {
    // Field order as the reference helpers print it.
    const nlohmann::ordered_json response = {{"ServerURL", credentials.server_url},
                                             {"Username", credentials.username},
                                             {"Secret", credentials.secret.expose()}};
    const std::string text = response.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return crypto::SecureBuffer::copy_of(text);
}

std::string format_list_response(std::span<const ListedAccount> accounts) {
    const auto quoted = [](std::string_view text) {
        return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    std::string text = "{";
    for (const ListedAccount& account : accounts) {
        if (text.size() > 1) {
            text += ',';
        }
        text += quoted(account.server_url);
        text += ':';
        text += quoted(account.username);
    }
    return text + "}\n";
}

std::string_view server_url_of_request(std::string_view body) {
    constexpr std::string_view kSpace = " \t\n\r\v\f";
    const auto first = body.find_first_not_of(kSpace);
    if (first == std::string_view::npos) {
        return {};
    }
    return body.substr(first, body.find_last_not_of(kSpace) - first + 1);
}

}  // namespace keyhold::protocol
