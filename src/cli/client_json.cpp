#include "client_json.hpp"

#include <algorithm>
#include <array>

#include "keyhold/encoding/display_text.hpp"
#include "keyhold/match/registry_key.hpp"

namespace keyhold::cli {
namespace {

constexpr const char* kCredsStore = "credsStore";
constexpr const char* kCredHelpers = "credHelpers";
constexpr std::array<const char*, 4> kSecretFields = {"auth", "identitytoken", "password", "registrytoken"};
// docker's and podman's files nest three deep; Go's encoding/json stops at 10000.
constexpr std::size_t kMaxNesting = 100;

// Line and column (both from 1) of the byte at `offset` (from 0).
std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    const std::string_view before = text.substr(0, offset);
    const std::size_t line = static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n')) + 1;
    const std::size_t line_start = before.rfind('\n');
    const std::size_t column = line_start == std::string_view::npos ? offset + 1 : offset - line_start;
    return {line, column};
}

std::string refusal(const std::filesystem::path& file, std::string_view what) {
    return file.string() + " " + std::string(what) +
           "; keyhold changed nothing: fix or move the file, then run the "
           "command again";
}

Result<ClientJson*> cred_helpers_of(ClientJson& document, bool create, AddedByKeyhold& added) {
    auto found = document.find(kCredHelpers);
    if (found == document.end()) {
        if (!create) {
            return nullptr;
        }
        document[kCredHelpers] = ClientJson::object();
        added.cred_helpers_object = true;
        return &document[kCredHelpers];
    }
    if (!found->is_object()) {
        return fail("\"credHelpers\" is not a JSON object");
    }
    return &*found;
}

bool names_keyhold(const ClientJson& value) { return value.is_string() && value.get<std::string>() == kKeyholdHelper; }

// Calls visit(i) for each byte of `text` outside its JSON strings, until visit returns false.
template <typename Visit>
void visit_outside_strings(std::string_view text, Visit visit) {
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (in_string) {
            if (text[i] == '\\') {
                ++i;
            } else if (text[i] == '"') {
                in_string = false;
            }
        } else if (text[i] == '"') {
            in_string = true;
        } else if (!visit(i)) {
            return;
        }
    }
}

// Whether a one-line document separates with ", " and ": " (Python's json.dumps, people) rather
// than "," and ":" (Go's json.Marshal): the character after the first ':' outside a string.
bool spaced_separators(std::string_view text) {
    bool spaced = false;
    visit_outside_strings(text, [&](std::size_t i) {
        if (text[i] != ':') {
            return true;
        }
        spaced = i + 1 < text.size() && text[i + 1] == ' ';
        return false;
    });
    return spaced;
}

// One line, with ", " and ": " between items when `spaced`.
void dump_one_line(const ClientJson& value, bool spaced, std::string& out) {
    const std::string_view comma = spaced ? ", " : ",";
    if (value.is_object()) {
        out += '{';
        bool first = true;
        for (const auto& [key, item] : value.items()) {
            out += first ? "" : comma;
            first = false;
            out += ClientJson(key).dump();
            out += spaced ? ": " : ":";
            dump_one_line(item, spaced, out);
        }
        out += '}';
    } else if (value.is_array()) {
        out += '[';
        for (std::size_t i = 0; i < value.size(); ++i) {
            out += i == 0 ? "" : comma;
            dump_one_line(value[i], spaced, out);
        }
        out += ']';
    } else {
        out += value.dump();
    }
}

// Whether arrays and objects nest deeper than `limit` anywhere outside a string. Copying or
// printing an ordered_json recurses once per level (a key added to a parsed object copies the
// values before it), so a file of 200000 '[' would end keyhold with a stack overflow, not a line.
bool nests_deeper_than(std::string_view text, std::size_t limit) {
    std::size_t depth = 0;
    bool deeper = false;
    visit_outside_strings(text, [&](std::size_t i) {
        if (text[i] == '[' || text[i] == '{') {
            deeper = ++depth > limit;
        } else if ((text[i] == ']' || text[i] == '}') && depth > 0) {
            --depth;
        }
        return !deeper;
    });
    return deeper;
}

}  // namespace

Result<ClientJson> parse_client_json(std::string_view text, const std::filesystem::path& file) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return ClientJson::object();
    }
    if (nests_deeper_than(text, kMaxNesting)) {
        return fail(refusal(file, "nests arrays or objects more than " + std::to_string(kMaxNesting) + " deep"));
    }
    try {
        ClientJson document = ClientJson::parse(text);
        if (!document.is_object()) {
            return fail(refusal(file, "is JSON but not an object ({...})"));
        }
        return document;
    } catch (const ClientJson::parse_error& error) {
        // error.byte counts from 1 and points just past the character that stopped the parser.
        const std::size_t offset = error.byte == 0 ? 0 : error.byte - 1;
        const auto [line, column] = line_and_column(text, offset);
        return fail(refusal(
            file, "is not valid JSON (line " + std::to_string(line) + ", column " + std::to_string(column) + ")"));
    } catch (const ClientJson::exception&) {
        // out_of_range: a number past what a double holds (1E500); it has no position.
        return fail(refusal(file, "is not valid JSON (a number too large)"));
    }
}

std::string dump_like(const ClientJson& document, std::string_view original) {
    const std::size_t end = original.find_last_not_of(" \t\r\n");
    if (end == std::string_view::npos) {
        return document.dump(1, '\t');
    }
    const std::string_view trailing = original.substr(end + 1);
    const std::string_view body = original.substr(0, end + 1);
    const std::size_t newline = body.find('\n');
    if (newline == std::string_view::npos) {
        std::string line;
        dump_one_line(document, spaced_separators(body), line);
        return line + std::string(trailing);
    }
    const std::size_t indent_end = body.find_first_not_of(" \t", newline + 1);
    const std::string_view indent =
        body.substr(newline + 1, indent_end == std::string_view::npos ? 0 : indent_end - newline - 1);
    const char unit = indent.empty() ? '\t' : indent.front();
    const int width = indent.empty() ? 1
                                     : static_cast<int>(indent.find_first_not_of(unit) == std::string_view::npos
                                                            ? indent.size()
                                                            : indent.find_first_not_of(unit));
    return document.dump(width, unit) + std::string(trailing);
}

Result<ChangeLines> set_creds_store(ClientJson& document, AddedByKeyhold& added) {
    ChangeLines lines;
    const auto current = document.find(kCredsStore);
    if (current != document.end() && names_keyhold(*current)) {
        return lines;
    }
    if (current != document.end() && !current->is_string()) {
        return fail("\"credsStore\" is not a string");
    }
    if (current != document.end()) {
        // Even an empty one: --undo must give back the file as it was.
        added.replaced_creds_store = current->get<std::string>();
        lines.push_back(added.replaced_creds_store->empty()
                            ? "credsStore: keyhold instead of \"\" (--undo puts it back)"
                            : "credsStore: keyhold instead of " +
                                  encoding::printable(*added.replaced_creds_store, 100) + " (--undo puts it back)");
    } else {
        lines.push_back("credsStore: keyhold (every registry without a credHelpers entry)");
    }
    document[kCredsStore] = kKeyholdHelper;
    added.creds_store = true;
    return lines;
}

std::set<std::string> hosts_with_credentials(const ClientJson& document) {
    std::set<std::string> hosts;
    const auto auths = document.find("auths");
    if (auths == document.end() || !auths->is_object()) {
        return hosts;
    }
    for (const auto& [address, entry] : auths->items()) {
        if (!entry.is_object()) {
            continue;
        }
        const bool holds = std::any_of(kSecretFields.begin(), kSecretFields.end(), [&](const char* field) {
            const auto value = entry.find(field);
            return value != entry.end() && value->is_string() && !value->get<std::string>().empty();
        });
        if (auto key = match::parse_registry_key(address); holds && key) {
            hosts.insert(key->host);
        }
    }
    return hosts;
}

Result<ChangeLines> add_cred_helpers(ClientJson& document, const std::vector<std::string>& registries,
                                     AddedByKeyhold& added, ChangeLines* users_entries) {
    ChangeLines lines;
    if (registries.empty()) {
        return lines;
    }
    auto helpers = cred_helpers_of(document, true, added);
    if (!helpers) {
        return std::unexpected(helpers.error());
    }
    for (const std::string& registry : registries) {
        const auto entry = (*helpers)->find(registry);
        if (entry == (*helpers)->end()) {
            (**helpers)[registry] = kKeyholdHelper;
            added.cred_helpers.insert(registry);
            lines.push_back("credHelpers: " + registry + " -> keyhold");
        } else if (!names_keyhold(*entry) && users_entries != nullptr) {
            const std::string other =
                encoding::printable(entry->is_string() ? entry->get<std::string>() : entry->dump(), 100);
            users_entries->push_back("credHelpers: " + registry + " stays with " + other +
                                     " (an entry you wrote; keyhold does not replace it)");
        }
    }
    return lines;
}

ChangeLines remove_cred_helpers(ClientJson& document, const std::set<std::string>& registries, AddedByKeyhold& added) {
    ChangeLines lines;
    auto helpers = cred_helpers_of(document, false, added);
    if (!helpers || *helpers == nullptr) {
        for (const std::string& registry : registries) {
            added.cred_helpers.erase(registry);
        }
        return lines;
    }
    ClientJson& object = **helpers;
    for (const std::string& registry : registries) {
        if (!added.cred_helpers.contains(registry)) {
            continue;  // not keyhold's to remove
        }
        added.cred_helpers.erase(registry);
        const auto entry = object.find(registry);
        if (entry != object.end() && names_keyhold(*entry)) {
            object.erase(entry);
            lines.push_back("credHelpers: removed " + registry + " -> keyhold");
        }
    }
    if (added.cred_helpers_object && added.cred_helpers.empty() && object.empty()) {
        document.erase(kCredHelpers);
        added.cred_helpers_object = false;
        lines.push_back("credHelpers: removed the empty object keyhold had created");
    }
    return lines;
}

ChangeLines undo_keyhold(ClientJson& document, AddedByKeyhold& added) {
    ChangeLines lines = remove_cred_helpers(document, std::set<std::string>(added.cred_helpers), added);
    if (added.cred_helpers_object) {
        // Entries someone else added since keep the object.
        added.cred_helpers_object = false;
    }
    if (added.creds_store) {
        const auto current = document.find(kCredsStore);
        if (current != document.end() && names_keyhold(*current)) {
            if (!added.replaced_creds_store) {
                document.erase(current);
                lines.push_back("credsStore: removed keyhold");
            } else {
                *current = *added.replaced_creds_store;
                lines.push_back("credsStore: \"" + encoding::printable(*added.replaced_creds_store, 100) +
                                "\" again instead of keyhold");
            }
        }
        added.creds_store = false;
        added.replaced_creds_store.reset();
    }
    return lines;
}

}  // namespace keyhold::cli
