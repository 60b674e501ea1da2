// ignite, the build-secrets API (seeds/000): one GET, answered 304 while the org's copy is
// the one this machine holds.

#include "keyhold/sync/org_api.hpp"
#include "source_fetch.hpp"

namespace keyhold::sync {

Fetched fetch_ignite(const store::SourceView& source, const SyncSettings& settings, Deadline deadline) {
    HttpRequest request = request_for(source, kIgniteSecretsPath, settings);
    if (!source.etag.empty()) {
        request.headers.push_back("If-None-Match: " + std::string(source.etag));
    }
    auto response = fetch_with_retries(request, settings, deadline);
    if (!response) {
        return failed(response.error().message);
    }
    if (response->status == 304 && !source.etag.empty()) {
        Fetched fetched;
        fetched.outcome = Outcome::unchanged;
        return fetched;
    }
    if (response->status != 200) {
        return refused(*response, source);
    }
    Fetched fetched;
    if (auto parsed = parse_ignite_secrets(response->body.text(), fetched.snapshot); !parsed) {
        return failed(parsed.error().message);
    }
    fetched.outcome = Outcome::fresh;
    fetched.etag = response->etag;
    return fetched;
}

}  // namespace keyhold::sync
