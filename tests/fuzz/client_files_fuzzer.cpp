// The clients' files keyhold edits and imports from (docs/setup.md): docker's config.json and
// the containers tools' auth.json (cli/client_json.hpp), and git-credential-store's lines
// (cli/git_credentials_file.hpp). They are the user's, written by other programs or by hand.
//
// The first byte picks the parser, the rest is the file.
//   JSON: a file that parses comes back the same from dump_like(); configure then --undo gives
//   back the same document; a refusal never quotes the file.
//   git: every credential is one whole line that decodes to no newline, CR or NUL; removing
//   lines keeps every other byte, and the rest holds no credential once they are all gone.

#include <set>
#include <string>

#include "cli/client_json.hpp"
#include "cli/git_credentials_file.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace keyhold;
using namespace keyhold::cli;
using fuzz::require;

void check_json(std::string_view text) {
    auto document = parse_client_json(text, "config.json");
    if (!document) {
        // The message names the file and a position, never the text (it may be a password):
        // it is one of the two sentences, with only digits where the position goes.
        std::string shape;
        for (const char c : document.error().message) {
            if (c < '0' || c > '9') {
                shape += c;
            } else if (shape.empty() || shape.back() != '#') {
                shape += '#';
            }
        }
        constexpr std::string_view kAdvice =
            "; keyhold changed nothing: fix or move the file, then run the command again";
        require(shape == "config.json is not valid JSON (line #, column #)" + std::string(kAdvice) ||
                shape == "config.json is JSON but not an object ({...})" + std::string(kAdvice) ||
                shape == "config.json is not valid JSON (a number too large)" + std::string(kAdvice) ||
                shape == "config.json nests arrays or objects more than # deep" + std::string(kAdvice));
        return;
    }
    require(document->is_object());
    const std::string written = dump_like(*document, text);
    const auto reread = parse_client_json(written, "config.json");
    require(reread && *reread == *document);

    ClientJson edited = *document;
    AddedByKeyhold added;
    const bool store_set = set_creds_store(edited, added).has_value();
    const bool helpers_added = add_cred_helpers(edited, {"a.example", "docker.io"}, added).has_value();
    if (store_set && helpers_added) {
        // Idempotent: a second configure changes nothing.
        const ClientJson once = edited;
        AddedByKeyhold again = added;
        require(set_creds_store(edited, again).value().empty());
        require(add_cred_helpers(edited, {"a.example", "docker.io"}, again).value().empty());
        require(edited == once);
    }
    undo_keyhold(edited, added);
    require(edited == *document);
    require(added.empty());
}

void check_git(std::string_view text) {
    const GitCredentialsFile file = parse_git_credentials(text);
    std::set<std::size_t> lines;
    for (const StoredGitCredential& credential : file.credentials) {
        require(!credential.host.empty() && !credential.protocol.empty());
        for (const std::string_view value :
             {std::string_view(credential.protocol), std::string_view(credential.host),
              std::string_view(credential.path), std::string_view(credential.username), credential.password.text()}) {
            require(value.find_first_of(std::string_view("\n\r\0", 3)) == std::string_view::npos);
        }
        require(lines.insert(credential.line).second);
    }
    require(without_lines(text, {}) == text);
    const std::string rest = without_lines(text, lines);
    require(rest.size() <= text.size());
    const GitCredentialsFile after = parse_git_credentials(rest);
    require(after.credentials.empty());
    require(after.other_lines.size() == file.other_lines.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    fuzz::initialize_sodium_once();
    if (size == 0) {
        return 0;
    }
    const std::string_view text = fuzz::as_text(data + 1, size - 1);
    if (data[0] % 2 == 0) {
        check_json(text);
    } else {
        check_git(text);
    }
    return 0;
}
