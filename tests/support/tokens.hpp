// Access tokens for tests, signed with the key ring the server keeps in its data directory and the
// default issuer and audience (`trader`, `trader-api`), as the identity module issues them.
#pragma once

#include <string>
#include <vector>

namespace test {

class trader_process;

// A valid access token for `user_id`.
std::string access_token(
    const trader_process& server,
    const std::string& user_id,
    const std::vector<std::string>& roles = {}
);
// A well-signed token for `user_id` whose lifetime ended an hour ago.
std::string expired_access_token(const trader_process& server, const std::string& user_id);

}  // namespace test
