#include "modules/identity/routes.hpp"

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
    page_query out;
    auto raw_limit = req.query("limit");
    auto limit = core::parse_page_limit(
        raw_limit ? std::optional<std::string_view>{*raw_limit} : std::nullopt
    );
    if (!limit) {
        return std::move(limit).error();
    }
    out.limit = *limit;
    if (auto cursor = req.query("cursor")) {
        auto position = core::decode_cursor(*cursor);
        if (!position || !core::is_id(*position, prefix)) {
            return core::error{
                core::errc::bad_request,
                "cursor is not valid",
                {{"/cursor", "cursor", "is not a cursor of this list"}}};
        }
        out.before_id = std::move(*position);
    }
    return out;
}

}  // namespace identity
