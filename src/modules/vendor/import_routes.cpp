#include "modules/vendor/import_routes.hpp"

#include <functional>

#include "core/http/multipart.hpp"
#include "modules/vendor/csv.hpp"
#include "modules/vendor/routes.hpp"

namespace vendor {
namespace {

namespace http = core::http;

// Room for the multipart envelope around the file.
constexpr std::size_t multipart_overhead = std::size_t{64} * 1024;

boost::json::value time_or_null(const std::optional<core::time_point>& t) {
    return t ? boost::json::value(core::format_rfc3339(*t)) : boost::json::value(nullptr);
}

std::string lower(std::string_view s) {
    std::string out{s};
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

core::result<import_mode> mode_of(std::optional<std::string> raw) {
    if (!raw || *raw == "all_or_nothing") {
        return import_mode::all_or_nothing;
    }
    if (*raw == "skip_bad_rows") {
        return import_mode::skip_bad_rows;
    }
    return core::error{
        core::errc::bad_request,
        "mode must be all_or_nothing or skip_bad_rows",
        {{"/mode", "enum", "must be all_or_nothing or skip_bad_rows"}}};
}

// The file and mode of an upload: a text/csv body (mode in the query) or a multipart form with
// a `file` field (mode in the query or a `mode` field).
core::result<import_upload> upload_of(const http::request& req) {
    auto type = lower(req.header("content-type").value_or(""));
    import_upload out;
    std::optional<std::string> mode = req.query("mode");
    if (type.starts_with("text/csv")) {
        out.content = req.body;
    } else if (type.starts_with("multipart/form-data")) {
        auto parts = http::parse_multipart(req);
        if (!parts) {
            return std::move(parts).error();
        }
        const auto* file = http::find_part(*parts, "file");
        if (file == nullptr) {
            return core::error{
                core::errc::invalid, "1 field is invalid", {{"/file", "required", "is required"}}};
        }
        out.content = std::string{file->data};
        out.filename = file->filename;
        if (const auto* field = http::find_part(*parts, "mode"); field != nullptr && !mode) {
            mode = std::string{field->data};
        }
    } else {
        return core::fail(
            core::errc::unsupported_media_type,
            "send the CSV as text/csv or as the file field of multipart/form-data"
        );
    }
    auto m = mode_of(std::move(mode));
    if (!m) {
        return std::move(m).error();
    }
    out.mode = *m;
    return out;
}

bool wants_json(const http::request& req) {
    auto accept = lower(req.header("accept").value_or(""));
    return accept.find("application/json") != std::string::npos &&
           accept.find("text/csv") == std::string::npos;
}

}  // namespace

boost::json::object to_json(const import_job& j) {
    const auto& c = j.counts;
    return boost::json::object{
        {"id", j.id},
        {"object", "product_import"},
        {"status", j.status},
        {"mode", j.mode},
        {"filename", j.filename ? boost::json::value(*j.filename) : boost::json::value(nullptr)},
        {"size_bytes", j.size_bytes},
        {"total_rows", c.total_rows},
        {"processed_rows", c.processed_rows},
        {"created", c.created},
        {"updated", c.updated},
        {"unchanged", c.unchanged},
        {"failed_rows", c.failed_rows},
        {"error_count", c.error_count},
        {"failure", j.failure ? boost::json::value(*j.failure) : boost::json::value(nullptr)},
        {"errors_url", "/api/v1/vendor/imports/" + j.id + "/errors"},
        {"created_at", core::format_rfc3339(j.created_at)},
        {"updated_at", core::format_rfc3339(j.updated_at)},
        {"started_at", time_or_null(j.started_at)},
        {"finished_at", time_or_null(j.finished_at)},
    };
}

void import_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    auto vendor = [](std::string summary, std::size_t limit = 0) {
        return http::route_options{
            .who = access::role,
            .roles = {"vendor"},
            .body_limit = limit,
            .summary = std::move(summary)};
    };
    r.add(
        method::post, "/api/v1/vendor/imports", std::bind_front(&import_routes::upload, this),
        vendor(
            "Upload a product CSV (text/csv or multipart field file); it is imported in the "
            "background.",
            imports_.settings().max_bytes + multipart_overhead
        )
    );
    r.add(
        method::get, "/api/v1/vendor/imports", std::bind_front(&import_routes::list, this),
        vendor("The store's imports, newest first.", body_limit)
    );
    r.add(
        method::get, "/api/v1/vendor/imports/{id}", std::bind_front(&import_routes::show, this),
        vendor("An import's status and progress.", body_limit)
    );
    r.add(
        method::get, "/api/v1/vendor/imports/{id}/errors",
        std::bind_front(&import_routes::errors, this),
        vendor(
            "An import's error report: row, column, message (CSV, or JSON on request).", body_limit
        )
    );
    r.add(
        method::get, "/api/v1/vendor/products/export",
        std::bind_front(&import_routes::export_products, this),
        vendor("The store's catalog as CSV, one row per variant, in the import format.", body_limit)
    );
}

core::task<http::response> import_routes::upload(http::request& req) {
    auto file = upload_of(req);
    if (!file) {
        co_return http::problem(file);
    }
    auto queued = co_await imports_.upload(*req.principal, std::move(*file));
    if (!queued) {
        co_return http::problem(queued);
    }
    auto res = http::json(202, to_json(*queued));
    res.header("Location", "/api/v1/vendor/imports/" + queued->id);
    co_return res;
}

core::task<http::response> import_routes::list(http::request& req) {
    auto q = page_of(req, "imp");
    if (!q) {
        co_return http::problem(q);
    }
    auto listed = co_await imports_.list(*req.principal, std::move(q->position), q->limit);
    if (!listed) {
        co_return http::problem(listed);
    }
    boost::json::array items;
    for (const auto& j : listed->items) {
        items.push_back(to_json(j));
    }
    co_return http::ok(boost::json::object{
        {"object", "list"},
        {"items", std::move(items)},
        {"next_cursor", listed->next_cursor ? boost::json::value(*listed->next_cursor)
                                            : boost::json::value(nullptr)},
    });
}

core::task<http::response> import_routes::show(http::request& req) {
    auto found = co_await imports_.get(*req.principal, std::string{req.param("id")});
    if (!found) {
        co_return http::problem(found);
    }
    co_return http::ok(to_json(*found));
}

core::task<http::response> import_routes::errors(http::request& req) {
    auto lines = co_await imports_.errors(*req.principal, std::string{req.param("id")});
    if (!lines) {
        co_return http::problem(lines);
    }
    if (wants_json(req)) {
        boost::json::array items;
        for (const auto& e : *lines) {
            items.push_back({{"row", e.row}, {"column", e.column}, {"message", e.message}});
        }
        co_return http::ok(boost::json::object{
            {"object", "list"}, {"items", std::move(items)}, {"next_cursor", nullptr}});
    }
    std::string out;
    std::vector<std::string> cells{"row", "column", "message"};
    csv::append_record(out, cells);
    for (const auto& e : *lines) {
        cells = {std::to_string(e.row), e.column, e.message};
        csv::append_record(out, cells);
    }
    auto res = http::text(200, std::move(out), "text/csv; charset=utf-8");
    res.header(
        "Content-Disposition",
        "attachment; filename=\"" + std::string{req.param("id")} + "-errors.csv\""
    );
    co_return res;
}

core::task<http::response> import_routes::export_products(http::request& req) {
    auto csv_text = co_await imports_.export_catalog(*req.principal);
    if (!csv_text) {
        co_return http::problem(csv_text);
    }
    auto res = http::text(200, std::move(*csv_text), "text/csv; charset=utf-8");
    res.header("Content-Disposition", "attachment; filename=\"products.csv\"");
    res.header("Cache-Control", "no-store");
    co_return res;
}

}  // namespace vendor
