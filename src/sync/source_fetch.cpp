#include "source_fetch.hpp"

#include <algorithm>
#include <filesystem>

#include "keyhold/encoding/display_text.hpp"
#include "keyhold/sync/org_api.hpp"

namespace keyhold::sync {

Fetched failed(std::string message) {
    Fetched fetched;
    fetched.message = std::move(message);
    return fetched;
}

HttpRequest request_for(const store::SourceView& source, std::string_view path, const SyncSettings& settings) {
    HttpRequest request;
    std::string base(source.url);
    while (base.ends_with('/')) {
        base.pop_back();
    }
    request.url = base + std::string(path);
    request.bearer_token = source.token;
    if (!source.ca_file.empty()) {
        request.ca_file = std::filesystem::path(source.ca_file);
    }
    request.connect_timeout = std::min(settings.connect_timeout, settings.request_timeout);
    request.total_timeout = settings.request_timeout;
    return request;
}

Fetched refused(const HttpResponse& response, const store::SourceView& source) {
    const std::string message = org_error_message(response.body.text(), source.token.expose());
    const std::string detail = message.empty() ? "" : ": " + message;
    Fetched fetched;
    if (response.status == 304) {
        // Only an answer to If-None-Match may say "unchanged", and this request carried none.
        fetched.message =
            "the org answered HTTP 304 Not Modified to a request that named no copy to keep "
            "(the first sync, or the one after a revoked token); check the source's --url";
    } else if (response.status >= 300 && response.status < 400) {
        // The Location is the server's text: it may quote the token, or hold credentials of its own.
        const std::string target =
            response.location.empty()
                ? "nowhere"
                : encoding::address_for_display(encoding::with_secret_hidden(response.location, source.token.expose()));
        fetched.message = "the org answered HTTP " + std::to_string(response.status) + ", a redirect to " + target +
                          "; keyhold does not follow redirects with the token (check the source's --url)";
    } else if (response.status == 401 || response.status == 403) {
        fetched.outcome = Outcome::revoked;
        fetched.message =
            "the org refused this machine's token (HTTP " + std::to_string(response.status) + detail + ")";
    } else {
        fetched.message = "the org answered HTTP " + std::to_string(response.status) + detail;
    }
    return fetched;
}

}  // namespace keyhold::sync
