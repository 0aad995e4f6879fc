#include "core/http/router.hpp"

#include <map>
#include <stdexcept>

namespace core::http {

struct router::node {
    std::map<std::string, std::unique_ptr<node>, std::less<>> literals;
    std::unique_ptr<node> param;
    std::string param_name;
    struct entry {
        method verb;
        handler target;
        const route_info* info;
    };
    std::vector<entry> entries;
};

namespace {

// Splits "/a/b/c" into {"a","b","c"}; "" and "/" give none.
std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        auto j = path.find('/', i);
        if (j == std::string_view::npos) {
            j = path.size();
        }
        out.push_back(path.substr(i, j - i));
        i = j;
    }
    return out;
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

// Percent-decodes a path segment; an invalid escape keeps the text as is.
std::string decode_segment(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            int hi = hex_value(s[i + 1]);
            int lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

}  // namespace

router::router() : root_(std::make_unique<node>()) {}
router::~router() = default;

void router::add(method verb, std::string_view path_template, handler h, route_options options) {
    if (!path_template.starts_with('/')) {
        throw std::logic_error("route template must start with '/': " + std::string{path_template});
    }
    node* at = root_.get();
    for (auto seg : segments(path_template)) {
        if (seg.starts_with('{') && seg.ends_with('}') && seg.size() > 2) {
            auto name = std::string{seg.substr(1, seg.size() - 2)};
            if (!at->param) {
                at->param = std::make_unique<node>();
                at->param_name = name;
            } else if (at->param_name != name) {
                throw std::logic_error(
                    "conflicting parameter names at " + std::string{path_template}
                );
            }
            at = at->param.get();
        } else {
            auto& next = at->literals[std::string{seg}];
            if (!next) {
                next = std::make_unique<node>();
            }
            at = next.get();
        }
    }
    for (const auto& e : at->entries) {
        if (e.verb == verb) {
            throw std::logic_error(
                "duplicate route " + std::string{to_string(verb)} + " " + std::string{path_template}
            );
        }
    }
    infos_.push_back(std::make_unique<route_info>(route_info{
        verb, std::string{path_template}, std::move(options)}));
    at->entries.push_back({verb, std::move(h), infos_.back().get()});
}

router::match router::find(method verb, std::string_view path) const {
    auto segs = segments(path);
    match out;
    // Depth-first with literals before parameters, so /products/search wins over /products/{id}.
    std::vector<std::pair<std::string_view, std::string>> params;
    std::function<const node*(const node*, std::size_t)> walk = [&](const node* n,
                                                                    std::size_t i) -> const node* {
        if (i == segs.size()) {
            return n->entries.empty() ? nullptr : n;
        }
        if (auto it = n->literals.find(segs[i]); it != n->literals.end()) {
            if (const node* found = walk(it->second.get(), i + 1)) {
                return found;
            }
        }
        if (n->param) {
            params.emplace_back(n->param_name, decode_segment(segs[i]));
            if (const node* found = walk(n->param.get(), i + 1)) {
                return found;
            }
            params.pop_back();
        }
        return nullptr;
    };
    const node* hit = walk(root_.get(), 0);
    if (!hit) {
        return out;
    }
    out.path_found = true;
    auto pick = [&](method m) -> const node::entry* {
        for (const auto& e : hit->entries) {
            if (e.verb == m) {
                return &e;
            }
        }
        return nullptr;
    };
    const node::entry* e = pick(verb);
    if (!e && verb == method::head) {
        e = pick(method::get);
    }
    if (!e) {
        for (const auto& en : hit->entries) {
            out.allowed.push_back(en.verb);
        }
        return out;
    }
    out.route = e->info;
    out.target = &e->target;
    out.params = std::move(params);
    return out;
}

std::vector<route_info> router::routes() const {
    std::vector<route_info> out;
    out.reserve(infos_.size());
    for (const auto& i : infos_) {
        out.push_back(*i);
    }
    return out;
}

}  // namespace core::http
