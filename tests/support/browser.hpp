// A minimal browser for sign-in flows, over libcurl: requests with a cookie jar and redirects
// taken one hop at a time, so a test can watch each hop or stop before one (a callback it wants to
// replay, an app URL that does not exist).
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace test {

struct browser_response {
    long status = 0;
    std::string url;       // what was requested
    std::string location;  // the absolute target of a redirect; empty otherwise
    std::vector<std::pair<std::string, std::string>> headers;  // lower-case names, in order
    std::string body;

    // The first header named so; empty when absent.
    std::string header(const std::string& lower_name) const;
    boost::json::value json() const;
};

class browser {
public:
    browser();
    ~browser();
    browser(const browser&) = delete;
    browser& operator=(const browser&) = delete;

    // One GET; cookies are sent and kept, a redirect is not followed.
    browser_response get(const std::string& url);
    // One POST of an application/x-www-form-urlencoded body, with Basic auth when `user` is set.
    browser_response post_form(
        const std::string& url,
        const std::string& form,
        const std::string& user = "",
        const std::string& password = ""
    );
    // GETs `url` and follows redirects until an answer that is not one, or a redirect to a URL
    // starting with `stop_at`, which is not requested (the answer's `location` is that URL).
    // Throws after 20 hops.
    browser_response follow(const std::string& url, const std::string& stop_at = "");

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Percent-decoded `name=value` pairs of a query string or fragment; the first occurrence wins.
std::map<std::string, std::string> url_params(std::string_view params);
// The part of `url` after '?' (up to '#'), or after '#'; empty when absent.
std::string query_of(const std::string& url);
std::string fragment_of(const std::string& url);
// `url` with the query parameter `name` set to `value` (added when absent).
std::string with_param(const std::string& url, const std::string& name, const std::string& value);

}  // namespace test
