#pragma once
// git-credential-keyhold: git's credential-helper protocol (gitcredentials(7)).

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "keyhold/protocol/git_messages.hpp"
#include "keyhold/protocol/helper_streams.hpp"
#include "keyhold/settings.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::protocol {

// Why `store` would not keep `request` (as git's own helpers: an incomplete or ephemeral
// credential, or one without a protocol and host); nullopt when it would.
std::optional<std::string> why_not_kept(const GitRequest& request);

// What `store` does with a request, in the caller's transaction (so that `keyhold import`
// stores git credentials exactly as the helper does): puts the user's credential, unless it is
// the org's own. The entry's key and label are kept in `storage`, which must outlive commit().
// Returns why_not_kept() when nothing was put.
std::optional<std::string> put_git_credential(store::Transaction& transaction, const GitRequest& request,
                                              std::deque<std::string>& storage, std::int64_t now);

// What `get` serves beyond matching and the serving policy (shared with `keyhold agent`): not
// an expired password (as git's own fill), and a pre-encoded credential only for a git that
// announced capability[]=authtype.
bool git_entry_answerable(const store::Entry& entry, const GitRequest& request, std::int64_t now);

// The lines `get` prints when `entry` answers `request`.
crypto::SecureBuffer git_answer_for(const store::Entry& entry, const GitRequest& request);

// Runs one operation (argv[1]: get, store or erase) and returns the process exit code.
int run_git_helper(std::span<const std::string_view> args, const HelperStreams& streams, const Settings& settings);

}  // namespace keyhold::protocol
