#include "core/http/paging.hpp"

namespace core::http {

core::result<page_query> page_of(const request& req, std::string_view prefix) {
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
        out.position = std::move(*position);
    }
    return out;
}

}  // namespace core::http
