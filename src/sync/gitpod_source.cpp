// gitpod, Gitpod's SecretService over Connect (seeds/001).

#include <string>

#include "keyhold/sync/org_api.hpp"
#include "source_fetch.hpp"

namespace keyhold::sync {
namespace {

constexpr int kMaxGitpodPages = 1000;

}  // namespace

// Gitpod's SecretService: page through ListSecrets, then fetch each registry secret's value.
Fetched fetch_gitpod(const store::SourceView& source, const SyncSettings& settings, Deadline deadline) {
    Fetched fetched;
    std::string page_token;
    for (int page_number = 0;; ++page_number) {
        if (page_number == kMaxGitpodPages) {
            return failed("the org's secret list did not end after " + std::to_string(kMaxGitpodPages) + " pages");
        }
        HttpRequest list = request_for(source, kGitpodListPath, settings);
        list.method = "POST";
        list.headers = {"Content-Type: application/json", "Connect-Protocol-Version: 1"};
        list.body = gitpod_list_request(page_token);
        auto response = fetch_with_retries(list, settings, deadline);
        if (!response) {
            return failed(response.error().message);
        }
        if (response->status != 200) {
            return refused(*response, source);
        }
        auto page = parse_gitpod_list(response->body.text());
        if (!page) {
            return failed(page.error().message);
        }
        for (const GitpodRegistrySecret& secret : page->registry_secrets) {
            HttpRequest value = request_for(source, kGitpodValuePath, settings);
            value.method = "POST";
            value.headers = list.headers;
            value.body = gitpod_value_request(secret.id);
            auto answer = fetch_with_retries(value, settings, deadline);
            if (!answer) {
                return failed(answer.error().message);
            }
            if (answer->status != 200) {
                return refused(*answer, source);
            }
            if (auto parsed = parse_gitpod_value(answer->body.text(), secret.registry_host, fetched.snapshot);
                !parsed) {
                return failed(parsed.error().message);
            }
        }
        if (page->next_token.empty() || page->next_token == page_token) {
            break;
        }
        page_token = page->next_token;
    }
    fetched.outcome = Outcome::fresh;
    return fetched;
}

}  // namespace keyhold::sync
