// Who is calling: the principal that authentication attaches to a request.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace core {

struct principal {
    std::string user_id;
    std::vector<std::string> roles;
    std::string session_id;

    bool has_role(std::string_view role) const {
        return std::find(roles.begin(), roles.end(), role) != roles.end();
    }
};

// Checks a bearer token and names its principal. The identity module provides the real one; the
// HTTP layer and the WebSocket hub only see this interface.
class token_verifier {
public:
    virtual ~token_verifier() = default;
    virtual result<principal> verify(std::string_view token) const = 0;
};

}  // namespace core
