#pragma once
// Editing the clients' JSON files (docker's config.json, the containers tools' auth.json) the
// way a careful person would by hand: only the keys keyhold owns change, every other key keeps
// its value and place, the file keeps its indentation, and --undo removes exactly what keyhold
// added, which the caller records (docs/setup.md, "How keyhold edits a file").

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/error.hpp"

namespace keyhold::cli {

// Keys stay in the file's order (docker and podman write them in theirs).
using ClientJson = nlohmann::ordered_json;

inline constexpr std::string_view kKeyholdHelper = "keyhold";

// The document in `text`, which must be a JSON object (an empty file counts as `{}`). A refusal
// names `file` and the line and column where parsing stopped, never the text there: it may be a
// password.
Result<ClientJson> parse_client_json(std::string_view text, const std::filesystem::path& file);

// The document as text in the style of `original`: its indentation unit (a tab, as docker and
// podman write, or spaces); on one line if it was, with or without a space after ':' and ','
// as it had; and the whitespace it ended with. An empty `original` (a new file) gets docker's
// style: tabs and no final newline.
std::string dump_like(const ClientJson& document, std::string_view original);

// What keyhold added to one file, so that --undo takes away that and nothing else.
struct AddedByKeyhold {
    bool creds_store = false;
    std::optional<std::string> replaced_creds_store;  // the credsStore keyhold replaced, put back by --undo
    std::set<std::string> cred_helpers;
    bool cred_helpers_object = false;  // keyhold created the "credHelpers" object
    bool file = false;                 // keyhold created the file

    bool empty() const { return !creds_store && cred_helpers.empty() && !cred_helpers_object && !file; }
};

// The changes made, one line each as the user reads them; none when the file already was so.
using ChangeLines = std::vector<std::string>;

// Points "credsStore" at keyhold, keeping the one it replaces for --undo. Fails when the
// document's credsStore is not a string.
Result<ChangeLines> set_creds_store(ClientJson& document, AddedByKeyhold& added);

// The hosts for which "auths" holds a credential of the file's own, for the host or a namespace
// of it (quay.io/team). The containers tools look in credHelpers first and, finding the host
// there, never read those: an entry keyhold adds for such a host would hide the user's login.
std::set<std::string> hosts_with_credentials(const ClientJson& document);

// Adds {"REGISTRY": "keyhold"} to "credHelpers" for each registry. An entry naming another
// helper is the user's: left as it is, with a line saying so in `users_entries` (no change).
Result<ChangeLines> add_cred_helpers(ClientJson& document, const std::vector<std::string>& registries,
                                     AddedByKeyhold& added, ChangeLines* users_entries = nullptr);

// Removes the entries keyhold added for `registries` (those still naming keyhold), and the
// credHelpers object when keyhold created it and it is now empty.
ChangeLines remove_cred_helpers(ClientJson& document, const std::set<std::string>& registries, AddedByKeyhold& added);

// Removes everything `added` records, as far as the document still holds it as keyhold left it.
ChangeLines undo_keyhold(ClientJson& document, AddedByKeyhold& added);

}  // namespace keyhold::cli
