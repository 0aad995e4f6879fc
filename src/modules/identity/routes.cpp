#include "modules/identity/routes.hpp"

#include "core/http/paging.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"

namespace identity {

client_info client_of(const core::http::request& req) {
    client_info c{.ip = req.remote_address};
    if (auto agent = req.header("user-agent")) {
        // Bounded: it is stored with every session and audit event.
        c.user_agent = std::string{agent->substr(0, 256)};
    }
    return c;
}

core::result<page_query> page_of(const core::http::request& req, std::string_view prefix) {
    auto page = core::http::page_of(req, prefix);
    if (!page) {
        return std::move(page).error();
    }
    return page_query{.before_id = std::move(page->position), .limit = page->limit};
}

}  // namespace identity
