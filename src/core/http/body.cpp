#include "core/http/body.hpp"

#include <boost/json/object.hpp>

#include "core/json.hpp"

namespace core::http {
namespace {

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
    media = media.substr(b, e - b + 1);
    constexpr std::string_view json = "application/json";
    return media.size() == json.size() &&
           std::equal(media.begin(), media.end(), json.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == y;
           });
}

}  // namespace

core::result<boost::json::value> json_body(const request& req, bool may_be_empty) {
    if (req.body.empty() && may_be_empty) {
        return boost::json::value(boost::json::object{});
    }
    if (!is_json_media_type(req.header("content-type"))) {
        return core::fail(
            core::errc::unsupported_media_type, "the body must be JSON (Content-Type: application/json)"
        );
    }
    return core::json::parse(req.body);
}

}  // namespace core::http
