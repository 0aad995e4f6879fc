#include <algorithm>
#include <charconv>
#include <functional>

#include "core/http/body.hpp"
#include "core/http/multipart.hpp"
#include "modules/vendor/routes.hpp"

namespace vendor {
namespace {

namespace http = core::http;

// Room for the form's boundaries, part headers and the alt and position fields around the file.
constexpr std::size_t multipart_overhead = std::size_t{64} * 1024;

std::size_t code_points(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

// The form's fields: `file` (required), `alt` and `position`; anything else is refused by name.
core::result<image_upload> upload_of(const std::vector<http::form_part>& parts) {
    core::error err{core::errc::invalid};
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& name = parts[i].name;
        auto pointer = "/" + core::json::pointer_escape(name);
        if (name != "file" && name != "alt" && name != "position") {
            err.fields.push_back({pointer, "unknown", "is not a field of this form"});
            continue;
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (parts[j].name == name) {
                err.fields.push_back({pointer, "duplicate", "is sent more than once"});
                break;
            }
        }
    }
    image_upload up;
    if (const auto* file = http::find_part(parts, "file")) {
        up.bytes = std::string{file->data};
    } else {
        err.fields.push_back({"/file", "required", "is required: the image, as a file part"});
    }
    if (const auto* alt = http::find_part(parts, "alt")) {
        if (code_points(alt->data) > image_limits::alt) {
            err.fields.push_back(
                {"/alt", "max_length",
                 "must be at most " + std::to_string(image_limits::alt) + " characters"}
            );
        }
        up.alt = std::string{alt->data};
    }
    if (const auto* position = http::find_part(parts, "position")) {
        int value = -1;
        const auto* first = position->data.data();
        const auto* last = first + position->data.size();
        auto [end, ec] = std::from_chars(first, last, value);
        auto max = static_cast<int>(image_limits::per_product) - 1;
        if (ec != std::errc{} || end != last || value < 0 || value > max) {
            err.fields.push_back(
                {"/position", "range", "must be an integer from 0 to " + std::to_string(max)}
            );
        }
        up.position = value;
    }
    if (!err.fields.empty()) {
        auto n = err.fields.size();
        err.detail = std::to_string(n) + (n == 1 ? " field is invalid" : " fields are invalid");
        return err;
    }
    return up;
}

core::result<image_patch> patch_of(const boost::json::value& body) {
    core::json::validator v{body};
    auto o = v.root();
    image_patch p;
    p.alt = o.patch_string("alt", {.max_length = image_limits::alt});
    auto position = o.optional_int(
        "position", {.min = 0, .max = static_cast<std::int64_t>(image_limits::per_product) - 1}
    );
    if (position) {
        p.position = static_cast<int>(*position);
    }
    o.done();
    if (!v.ok()) {
        return v.error();
    }
    return p;
}

std::string location_of(const product_image& i) {
    return "/api/v1/vendor/products/" + i.product_id + "/images/" + i.id;
}

}  // namespace

void image_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    auto vendor = [](std::string summary, std::size_t limit) {
        return http::route_options{
            .who = access::role,
            .roles = {"vendor"},
            .body_limit = limit,
            .summary = std::move(summary)};
    };
    r.add(
        method::post, "/api/v1/vendor/products/{id}/images",
        std::bind_front(&image_routes::upload, this),
        vendor(
            "Upload an image of a product (multipart/form-data; file, alt, position).",
            images_.max_bytes() + multipart_overhead
        )
    );
    r.add(
        method::get, "/api/v1/vendor/products/{id}/images",
        std::bind_front(&image_routes::list, this),
        vendor("The product's images by position.", body_limit)
    );
    r.add(
        method::get, "/api/v1/vendor/products/{id}/images/{image_id}",
        std::bind_front(&image_routes::show, this), vendor("One image of a product.", body_limit)
    );
    r.add(
        method::patch, "/api/v1/vendor/products/{id}/images/{image_id}",
        std::bind_front(&image_routes::update, this),
        vendor("Change an image's alt text or move it to another position.", body_limit)
    );
    r.add(
        method::del, "/api/v1/vendor/products/{id}/images/{image_id}",
        std::bind_front(&image_routes::remove, this),
        vendor("Delete an image; its file goes with the last image that uses it.", body_limit)
    );
}

core::task<http::response> image_routes::upload(http::request& req) {
    auto parts = http::parse_multipart(req);
    if (!parts) {
        co_return http::problem(parts);
    }
    auto up = upload_of(*parts);
    if (!up) {
        co_return http::problem(up);
    }
    auto added = co_await images_.add(*req.principal, std::string{req.param("id")}, std::move(*up));
    if (!added) {
        co_return http::problem(added);
    }
    co_return http::created(to_json(*added), location_of(*added));
}

core::task<http::response> image_routes::list(http::request& req) {
    auto listed = co_await images_.list(*req.principal, std::string{req.param("id")});
    if (!listed) {
        co_return http::problem(listed);
    }
    boost::json::array items;
    for (const auto& i : *listed) {
        items.push_back(to_json(i));
    }
    co_return http::ok(boost::json::object{
        {"object", "list"},
        {"items", std::move(items)},
        {"next_cursor", nullptr},
    });
}

core::task<http::response> image_routes::show(http::request& req) {
    auto found = co_await images_.get(
        *req.principal, std::string{req.param("id")}, std::string{req.param("image_id")}
    );
    if (!found) {
        co_return http::problem(found);
    }
    co_return http::ok(to_json(*found));
}

core::task<http::response> image_routes::update(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto patch = patch_of(*body);
    if (!patch) {
        co_return http::problem(patch);
    }
    auto updated = co_await images_.update(
        *req.principal, std::string{req.param("id")}, std::string{req.param("image_id")},
        std::move(*patch)
    );
    if (!updated) {
        co_return http::problem(updated);
    }
    co_return http::ok(to_json(*updated));
}

core::task<http::response> image_routes::remove(http::request& req) {
    auto removed = co_await images_.remove(
        *req.principal, std::string{req.param("id")}, std::string{req.param("image_id")}
    );
    if (!removed) {
        co_return http::problem(removed);
    }
    co_return http::no_content();
}

}  // namespace vendor
