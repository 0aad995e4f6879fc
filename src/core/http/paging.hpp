// The `cursor` and `limit` query parameters of a cursor-paginated list (docs/api-conventions.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/http/request.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"

namespace core::http {

struct page_query {
    std::optional<std::string> position;  // the id the page continues after
    int limit = core::default_page_limit;
};

// `limit` 1-100 (default 20); a `cursor` must stand for an id with `prefix`, else 400.
core::result<page_query> page_of(const request& req, std::string_view prefix);

}  // namespace core::http
