#include "core/http/response.hpp"

#include <boost/json/serialize.hpp>

#include "core/log.hpp"

namespace core::http {

std::optional<std::string_view> response::find_header(std::string_view name) const noexcept {
    for (const auto& [k, v] : headers) {
        if (k.size() == name.size() &&
            std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            return std::string_view{v};
        }
    }
    return std::nullopt;
}

response json(int status, const boost::json::value& body) {
    response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = boost::json::serialize(body);
    return r;
}

response created(const boost::json::value& body, std::string location) {
    response r = json(201, body);
    r.header("Location", std::move(location));
    return r;
}

response no_content() {
    response r;
    r.status = 204;
    return r;
}

response text(int status, std::string body, std::string content_type) {
    response r;
    r.status = status;
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    return r;
}

problem_kind kind_of(core::errc code) noexcept {
    using core::errc;
    switch (code) {
        case errc::invalid:
            return {422, "validation", "Invalid request"};
        case errc::bad_request:
            return {400, "bad-request", "Malformed request"};
        case errc::unauthenticated:
            return {401, "unauthenticated", "Authentication required"};
        case errc::forbidden:
            return {403, "forbidden", "Not allowed"};
        case errc::not_found:
            return {404, "not-found", "Not found"};
        case errc::method_not_allowed:
            return {405, "method-not-allowed", "Method not allowed"};
        case errc::timeout:
            return {408, "request-timeout", "Request timed out"};
        case errc::conflict:
            return {409, "conflict", "Conflict"};
        case errc::insufficient_stock:
            return {409, "insufficient-stock", "Not enough stock"};
        case errc::idempotency_conflict:
            return {409, "idempotency-conflict", "Idempotency key reused"};
        case errc::precondition_failed:
            return {412, "precondition-failed", "Precondition failed"};
        case errc::payload_too_large:
            return {413, "payload-too-large", "Payload too large"};
        case errc::unsupported_media_type:
            return {415, "unsupported-media-type", "Unsupported media type"};
        case errc::headers_too_large:
            return {431, "headers-too-large", "Request header fields too large"};
        case errc::rate_limited:
            return {429, "rate-limited", "Too many requests"};
        case errc::unavailable:
        case errc::busy:
            return {503, "unavailable", "Service unavailable"};
        case errc::internal:
            return {500, "internal", "Internal error"};
    }
    return {500, "internal", "Internal error"};
}

response problem(core::error err) {
    response r;
    r.status = kind_of(err.code).status;
    r.content_type = "application/problem+json";
    if (err.retry_after > 0) {
        r.header("Retry-After", std::to_string(err.retry_after));
    }
    r.problem = std::move(err);
    return r;
}

std::string render_problem(const core::error& err, std::string_view instance) {
    auto kind = kind_of(err.code);
    boost::json::object body;
    body["type"] = std::string{problem_type_base} +
                   (err.type.empty() || kind.status >= 500 ? std::string{kind.slug} : err.type);
    body["title"] = kind.title;
    body["status"] = kind.status;
    // 5xx details are for the log only (they may hold SQL or paths).
    if (kind.status < 500 && !err.detail.empty()) {
        body["detail"] = err.detail;
    } else if (kind.status >= 500) {
        body["detail"] =
            "The request could not be completed; quote the instance id when reporting it.";
    }
    body["instance"] = instance;
    if (!err.fields.empty() && kind.status < 500) {
        boost::json::array fields;
        for (const auto& f : err.fields) {
            fields.push_back(boost::json::object{
                {"pointer", f.pointer}, {"code", f.code}, {"message", f.message}});
        }
        body["errors"] = std::move(fields);
    }
    return boost::json::serialize(body);
}

}  // namespace core::http

namespace core {

std::string_view to_string(errc code) noexcept { return http::kind_of(code).slug; }

}  // namespace core
