#include "modules/identity/routes.hpp"

#include "core/ids.hpp"
#include "core/json.hpp"

namespace identity {
namespace {

std::string lower(std::string_view s) {
    std::string out{s};
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool is_json_media_type(std::optional<std::string_view> content_type) {
    if (!content_type) {
        return false;
    }
    auto media = content_type->substr(0, content_type->find(';'));
    auto b = media.find_first_not_of(" \t");
    auto e = media.find_last_not_of(" \t");
    if (b == std::string_view::npos) {
        return false;
    }
    return lower(media.substr(b, e - b + 1)) == "application/json";
}

}  // namespace

core::result<boost::json::value> json_body(const core::http::request& req, bool may_be_empty) {
    if (req.body.empty() && may_be_empty) {
        return boost::json::value(boost::json::object{});
    }
    if (!is_json_media_type(req.header("content-type"))) {
        return core::fail(
            core::errc::unsupported_media_type,
            "the body must be JSON (Content-Type: application/json)"
        );
    }
    return core::json::parse(req.body);
}

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
