// Reading a JSON request body the same way on every route.
#pragma once

#include <boost/json/value.hpp>

#include "core/http/request.hpp"
#include "core/result.hpp"

namespace core::http {

// The JSON body: `unsupported_media_type` (415) unless declared application/json, `bad_request` (400) when
// malformed. An empty body reads as {} when `may_be_empty`.
core::result<boost::json::value> json_body(const request& req, bool may_be_empty = false);

}  // namespace core::http
