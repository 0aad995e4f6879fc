#include "app/media_routes.hpp"

#include "core/http/conditional.hpp"

namespace app {

void register_media_routes(core::http::router& r, infra::media::storage& media) {
    auto serve = [&media](core::http::request& req) -> core::task<core::http::response> {
        std::string key{req.param("key")};
        auto found = co_await media.get(key);
        if (!found) {
            co_return core::http::problem(found);
        }
        if (!*found) {
            co_return core::http::problem(core::error{core::errc::not_found, "no such media"});
        }
        // The key names the content: it is the strong validator.
        std::string etag = "\"" + key + "\"";
        core::http::response out;
        if (core::http::none_match(req.header("if-none-match"), etag)) {
            out.status = 304;
        } else {
            out.status = 200;
            out.content_type = std::move((*found)->content_type);
            out.body = std::move((*found)->bytes);
        }
        out.header("ETag", etag);
        out.header("Cache-Control", "public, max-age=31536000, immutable");
        // Uploaded bytes are served as what they were sniffed to be, never as a page.
        out.header("X-Content-Type-Options", "nosniff");
        out.header("Content-Security-Policy", "default-src 'none'; sandbox");
        co_return out;
    };
    r.add(
        core::http::method::get, "/api/v1/media/{key}", std::move(serve),
        core::http::route_options{
            .who = core::http::access::anyone,
            .summary = "An uploaded image or export file; cacheable forever."}
    );
}

}  // namespace app
