#include "integrations/https.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace integrations {
namespace {

struct easy_deleter {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct list_deleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using easy_handle = std::unique_ptr<CURL, easy_deleter>;
using header_list = std::unique_ptr<curl_slist, list_deleter>;

// curl_global_init is not thread-safe: once per process, before the first handle.
void init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

}  // namespace

std::string url_escape(std::string_view text) {
    constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4U]);
            out.push_back(hex[c & 15U]);
        }
    }
    return out;
}

std::string form_encode(const form_fields& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty()) {
            out.push_back('&');
        }
        out += url_escape(name);
        out.push_back('=');
        out += url_escape(value);
    }
    return out;
}

core::result<https_response> perform(const https_request& request) {
    init_once();
    easy_handle curl{curl_easy_init()};
    if (!curl) {
        return core::fail(core::errc::internal, "curl_easy_init failed");
    }
    https_response out;
    header_list headers;
    for (const auto& h : request.headers) {
        auto* grown = curl_slist_append(headers.get(), h.c_str());
        if (grown == nullptr) {
            return core::fail(core::errc::internal, "curl_slist_append failed");
        }
        (void)headers.release();
        headers.reset(grown);
    }
    auto* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method != "GET") {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
        curl_easy_setopt(
            c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size())
        );
    }
    if (!request.basic_user.empty()) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, request.basic_user.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, request.basic_password.c_str());
    }
    auto code = curl_easy_perform(c);
    if (code != CURLE_OK) {
        return core::fail(
            core::errc::unavailable,
            std::string{"request to "} + request.url + " failed: " + curl_easy_strerror(code)
        );
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    return out;
}

}  // namespace integrations
