#include "support/browser.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <mutex>
#include <stdexcept>

#include "integrations/https.hpp"

namespace test {
namespace {

struct easy_deleter {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

std::size_t append_header(char* data, std::size_t size, std::size_t count, void* out) {
    std::string_view line{data, size * count};
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string name{line.substr(0, colon)};
        for (auto& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        auto value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
            value.remove_suffix(1);
        }
        static_cast<std::vector<std::pair<std::string, std::string>>*>(out)->emplace_back(
            std::move(name), std::string{value}
        );
    }
    return size * count;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

}  // namespace

std::string browser_response::header(const std::string& lower_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lower_name) {
            return value;
        }
    }
    return {};
}

boost::json::value browser_response::json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec) {
        ADD_FAILURE() << "response body is not JSON: " << body;
        return {};
    }
    return v;
}

struct browser::impl {
    std::unique_ptr<CURL, easy_deleter> curl;

    browser_response perform(
        const std::string& url,
        const std::string* form,
        const std::string& user,
        const std::string& password
    ) {
        // Every option that differs between requests is set each time: curl_easy_reset would
        // leak the cookie engine's file list when it is enabled again.
        auto* c = curl.get();
        browser_response out;
        out.url = url;
        curl_easy_setopt(c, CURLOPT_URL, url.c_str());
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &out.headers);
        if (form != nullptr) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, form->c_str());
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(form->size()));
        } else {
            curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        }
        if (!user.empty()) {
            curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
            curl_easy_setopt(c, CURLOPT_USERNAME, user.c_str());
            curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
        } else {
            curl_easy_setopt(c, CURLOPT_USERNAME, nullptr);
            curl_easy_setopt(c, CURLOPT_PASSWORD, nullptr);
        }
        auto code = curl_easy_perform(c);
        if (code != CURLE_OK) {
            throw std::runtime_error(url + ": " + curl_easy_strerror(code));
        }
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
        char* location = nullptr;
        curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
        if (location != nullptr && out.status >= 300 && out.status < 400) {
            out.location = location;
        }
        return out;
    }
};

browser::browser() : impl_(std::make_unique<impl>()) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    impl_->curl.reset(curl_easy_init());
    if (!impl_->curl) {
        throw std::runtime_error("curl_easy_init failed");
    }
    auto* c = impl_->curl.get();
    curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");  // an in-memory cookie jar
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &append_header);
}

browser::~browser() = default;

browser_response browser::get(const std::string& url) {
    return impl_->perform(url, nullptr, "", "");
}

browser_response browser::post_form(
    const std::string& url,
    const std::string& form,
    const std::string& user,
    const std::string& password
) {
    return impl_->perform(url, &form, user, password);
}

browser_response browser::follow(const std::string& url, const std::string& stop_at) {
    auto next = url;
    for (int hop = 0; hop < 20; ++hop) {
        auto res = get(next);
        if (res.location.empty()) {
            return res;
        }
        if (!stop_at.empty() && res.location.starts_with(stop_at)) {
            return res;
        }
        next = res.location;
    }
    throw std::runtime_error("more than 20 redirects from " + url);
}

std::map<std::string, std::string> url_params(std::string_view params) {
    std::map<std::string, std::string> out;
    while (!params.empty()) {
        auto amp = params.find('&');
        auto pair = params.substr(0, amp);
        params = amp == std::string_view::npos ? std::string_view{} : params.substr(amp + 1);
        auto eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq));
        auto value =
            eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
        out.emplace(std::move(name), std::move(value));
    }
    return out;
}

std::string query_of(const std::string& url) {
    auto q = url.find('?');
    if (q == std::string::npos) {
        return {};
    }
    auto hash = url.find('#', q);
    return url.substr(q + 1, hash == std::string::npos ? std::string::npos : hash - q - 1);
}

std::string fragment_of(const std::string& url) {
    auto hash = url.find('#');
    return hash == std::string::npos ? std::string{} : url.substr(hash + 1);
}

std::string with_param(const std::string& url, const std::string& name, const std::string& value) {
    auto q = url.find('?');
    std::string base = q == std::string::npos ? url : url.substr(0, q);
    auto params = url_params(query_of(url));
    params[name] = value;
    integrations::form_fields fields{params.begin(), params.end()};
    return base + "?" + integrations::form_encode(fields);
}

}  // namespace test
