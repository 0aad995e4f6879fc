// Domain errors and the result type every service and repository returns.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace core {

// Small, stable set of domain outcomes; src/core/http maps each to a status and a problem type.
enum class errc {
    invalid,                 // 422: well-formed input that breaks a rule
    bad_request,             // 400: malformed JSON or parameters
    unauthenticated,         // 401
    forbidden,               // 403
    not_found,               // 404: missing or not yours
    method_not_allowed,      // 405
    timeout,                 // 408
    conflict,                // 409: duplicate or illegal state transition
    insufficient_stock,      // 409
    idempotency_conflict,    // 409
    precondition_failed,     // 412
    payload_too_large,       // 413
    unsupported_media_type,  // 415
    headers_too_large,       // 431
    rate_limited,            // 429
    unavailable,             // 503: a dependency is down; retry later
    busy,                    // transient database contention; retried by the transaction runner
    internal,                // 500
};

std::string_view to_string(errc code) noexcept;

// One invalid field: a JSON pointer into the request, a machine code and a human message.
struct field_error {
    std::string pointer;
    std::string code;
    std::string message;
};

struct error {
    errc code = errc::internal;
    // Safe for clients for 4xx codes; for 5xx it is only logged.
    std::string detail;
    std::vector<field_error> fields;
    // Seconds a client should wait (429, 503), 0 when not applicable.
    int retry_after = 0;
    // A more specific problem type slug than the code's (`promotion-expired`), same status; empty
    // = the code's own.
    std::string type;

    error() = default;
    error(errc c, std::string d = {}) : code(c), detail(std::move(d)) {}
    error(errc c, std::string d, std::vector<field_error> f)
        : code(c), detail(std::move(d)), fields(std::move(f)) {}
};

// Tag to construct a result holding an error: `return core::fail(errc::not_found, "...")`.
struct failure {
    error err;
};

inline failure fail(errc code, std::string detail = {}) {
    return failure{error{code, std::move(detail)}};
}
inline failure fail(error e) { return failure{std::move(e)}; }

// std::expected-shaped holder of a value or an error (until C++23).
template <class T>
class [[nodiscard]] result {
public:
    using error_type = ::core::error;
    using value_type = T;

    result(T value)
        : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    result(failure f) : state_(std::in_place_index<1>, std::move(f.err)) {}  // NOLINT
    result(error_type e) : state_(std::in_place_index<1>, std::move(e)) {}   // NOLINT

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        assert(has_value());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(has_value());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(has_value());
        return std::get<0>(std::move(state_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const error_type& error() const& {
        assert(!has_value());
        return std::get<1>(state_);
    }
    error_type&& error() && {
        assert(!has_value());
        return std::get<1>(std::move(state_));
    }

private:
    std::variant<T, error_type> state_;
};

template <>
class [[nodiscard]] result<void> {
public:
    using error_type = ::core::error;
    using value_type = void;

    result() = default;
    result(failure f) : err_(std::move(f.err)), ok_(false) {}  // NOLINT
    result(error_type e) : err_(std::move(e)), ok_(false) {}   // NOLINT

    bool has_value() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const error_type& error() const& {
        assert(!ok_);
        return err_;
    }
    error_type&& error() && {
        assert(!ok_);
        return std::move(err_);
    }

private:
    error_type err_;
    bool ok_ = true;
};

inline result<void> ok() { return {}; }

}  // namespace core
