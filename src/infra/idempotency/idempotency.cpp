#include "infra/idempotency/idempotency.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <span>

#include "core/ids.hpp"
#include "core/log.hpp"

namespace infra::idempotency {
namespace {

namespace http = core::http;

constexpr std::string_view header_name = "idempotency-key";
constexpr std::size_t max_key_length = 255;
// Larger responses are not kept (a retry runs again); POST answers are far smaller.
constexpr std::size_t max_stored_body = std::size_t{1024} * 1024;
// Purge statements per run, so one run never holds the SQLite writer for long.
constexpr int max_purge_rounds = 10;
// Attempts at claiming a key whose row changes under us (released, expired, taken over).
constexpr int max_claim_attempts = 4;
// Response headers a replay repeats (lower-case); Content-Type is kept apart.
constexpr std::array<std::string_view, 4> replayed_headers = {
    "location", "etag", "last-modified", "link"};

std::string sha256_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr);
    constexpr std::string_view hex = "0123456789abcdef";
    std::string out;
    out.reserve(std::size_t{len} * 2);
    for (unsigned char byte : std::span{digest.data(), len}) {
        out.push_back(hex[byte >> 4U]);
        out.push_back(hex[byte & 0xFU]);
    }
    return out;
}

std::int64_t to_ms(core::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool equals_lower(std::string_view a, std::string_view lower) {
    return a.size() == lower.size() &&
           std::equal(a.begin(), a.end(), lower.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == y;
           });
}

// Text columns hold valid UTF-8 without NUL on both databases (PostgreSQL refuses anything else).
bool storable_text(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == 0) {
            return false;
        }
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t extra = 0;
        unsigned char low = 0x80;  // bounds of the second byte: no overlong forms, no surrogates
        unsigned char high = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            low = c == 0xE0 ? 0xA0 : 0x80;
            high = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            low = c == 0xF0 ? 0x90 : 0x80;
            high = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
        if (s.size() - i <= extra) {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            auto next = static_cast<unsigned char>(s[i + k]);
            if (k == 1 ? (next < low || next > high) : (next < 0x80 || next > 0xBF)) {
                return false;
            }
        }
        i += extra + 1;
    }
    return true;
}

std::string encode_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
    boost::json::array out;
    for (const auto& [name, value] : headers) {
        out.push_back(boost::json::array{boost::json::string{name}, boost::json::string{value}});
    }
    return boost::json::serialize(out);
}

std::vector<std::pair<std::string, std::string>> decode_headers(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    boost::system::error_code ec;
    auto parsed = boost::json::parse(text, ec);
    if (ec || !parsed.is_array()) {
        return out;
    }
    for (const auto& pair : parsed.as_array()) {
        const auto* item = pair.if_array();
        if (item != nullptr && item->size() == 2 && (*item)[0].is_string() &&
            (*item)[1].is_string()) {
            out.emplace_back(
                std::string{(*item)[0].as_string()}, std::string{(*item)[1].as_string()}
            );
        }
    }
    return out;
}

// Database trouble while claiming: the caller may retry; nothing about the cause is shown.
core::error unavailable(const core::error& cause) {
    core::error out{
        cause.code == core::errc::busy || cause.code == core::errc::unavailable
            ? core::errc::unavailable
            : core::errc::internal,
        "idempotency key store: " + cause.detail};
    out.retry_after = 1;
    return out;
}

// What the first response becomes in the table; nullopt when it must not be kept, so a retry runs
// the request again: server errors and transient refusals, streams, secrets, odd bodies.
std::optional<stored_response> to_store(const http::request& req, const http::response& res) {
    if (res.stream || res.status >= 500 || res.status == 408 || res.status == 429) {
        return std::nullopt;
    }
    if (auto cache = res.find_header("cache-control")) {
        if (cache->find("no-store") != std::string_view::npos) {
            return std::nullopt;
        }
    }
    stored_response out;
    out.status = res.status;
    if (res.problem) {
        // The pipeline renders problems after this filter; the replay sends the same text.
        out.body = http::render_problem(*res.problem, req.request_id);
        out.content_type = "application/problem+json";
    } else {
        out.body = res.body;
        out.content_type = res.content_type;
    }
    if (out.body.size() > max_stored_body || !storable_text(out.body)) {
        return std::nullopt;
    }
    for (const auto& [name, value] : res.headers) {
        for (auto keep : replayed_headers) {
            if (equals_lower(name, keep)) {
                out.headers.emplace_back(name, value);
            }
        }
    }
    return out;
}

// The stored response again. A problem names this request as its `instance`, as every problem
// does; everything else is byte for byte the first answer.
http::response replay(const stored_response& stored, std::string_view request_id) {
    http::response out;
    out.status = stored.status;
    out.content_type = stored.content_type;
    out.body = stored.body;
    if (stored.content_type == "application/problem+json") {
        boost::system::error_code ec;
        auto parsed = boost::json::parse(stored.body, ec);
        if (!ec && parsed.is_object() && parsed.as_object().contains("instance")) {
            parsed.as_object()["instance"] = request_id;
            out.body = boost::json::serialize(parsed);
        }
    }
    out.headers = stored.headers;
    out.header("Idempotent-Replayed", "true");
    if (stored.status == 401) {
        out.header("WWW-Authenticate", "Bearer realm=\"trader\"");
    }
    return out;
}

}  // namespace

std::optional<std::string> check_key(std::string_view key) {
    if (key.empty() || key.size() > max_key_length) {
        return "Idempotency-Key must be 1-255 characters long";
    }
    for (char c : key) {
        if (c < 0x20 || c > 0x7E) {
            return "Idempotency-Key must be printable ASCII characters";
        }
    }
    return std::nullopt;
}

std::optional<std::string> scope_of(const http::request& req) {
    if (req.principal && !req.principal->user_id.empty()) {
        return "user:" + req.principal->user_id;
    }
    if (auto token = req.header("x-cart-token"); token && !token->empty()) {
        // Hashed: the table never holds a usable cart token.
        return "cart:" + sha256_hex(*token);
    }
    return std::nullopt;
}

core::task<core::result<claim>> key_store::claim_key(
    std::string scope, std::string key, fingerprint request, std::string request_id
) {
    for (int attempt = 1; attempt <= max_claim_attempts; ++attempt) {
        auto got = co_await try_claim(scope, key, request, request_id);
        if (!got) {
            co_return std::move(got).error();
        }
        if (*got) {
            co_return std::move(**got);
        }
    }
    // The row kept changing under us: another request with the key is busy with it.
    claim busy;
    busy.what = claim::outcome::in_flight;
    co_return busy;
}

// One round: insert a new claim, or read the row that is there and decide. nullopt when the row
// changed between the statements and the caller should look again.
core::task<core::result<std::optional<claim>>> key_store::try_claim(
    const std::string& scope,
    const std::string& key,
    const fingerprint& request,
    const std::string& request_id
) {
    const auto now = clock_.now();
    const auto now_ms = to_ms(now);
    const auto locked_until = to_ms(now + settings_.lock_timeout);
    const auto expires = to_ms(now + settings_.ttl);
    auto owner = core::new_id("idem");

    auto inserted = co_await db_.execute(
        "INSERT INTO idempotency_keys (scope, idem_key, method, path, body_sha256, state, owner, "
        "locked_until_ms, request_id, created_at_ms, expires_at_ms) "
        "VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8, $9, $10) "
        "ON CONFLICT (scope, idem_key) DO NOTHING",
        scope, key, request.method, request.path, request.body_sha256, owner, locked_until,
        request_id, now_ms, expires
    );
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    if (inserted->affected() == 1) {
        claim mine;
        mine.owner = std::move(owner);
        co_return std::optional<claim>{std::move(mine)};
    }

    auto found = co_await db_.select(
        "SELECT method, path, body_sha256, state, owner, locked_until_ms, expires_at_ms, status, "
        "content_type, headers, body FROM idempotency_keys WHERE scope = $1 AND idem_key = $2",
        scope, key
    );
    if (!found) {
        co_return std::move(found).error();
    }
    if (found->empty()) {
        co_return std::optional<claim>{};  // released meanwhile: insert again
    }
    auto row = found->front();

    if (row.get<std::int64_t>("expires_at_ms") <= now_ms) {
        // Expired but not purged yet: the key is free again.
        auto renewed = co_await db_.execute(
            "UPDATE idempotency_keys SET method = $3, path = $4, body_sha256 = $5, "
            "state = 'running', owner = $6, locked_until_ms = $7, request_id = $8, "
            "created_at_ms = $9, expires_at_ms = $10, status = NULL, content_type = NULL, "
            "headers = NULL, body = NULL "
            "WHERE scope = $1 AND idem_key = $2 AND expires_at_ms <= $9",
            scope, key, request.method, request.path, request.body_sha256, owner, locked_until,
            request_id, now_ms, expires
        );
        if (!renewed) {
            co_return std::move(renewed).error();
        }
        if (renewed->affected() != 1) {
            co_return std::optional<claim>{};
        }
        claim mine;
        mine.owner = std::move(owner);
        co_return std::optional<claim>{std::move(mine)};
    }

    fingerprint first{
        row.get<std::string>("method"), row.get<std::string>("path"),
        row.get<std::string>("body_sha256")};
    if (first != request) {
        claim other;
        other.what = claim::outcome::mismatch;
        co_return std::optional<claim>{std::move(other)};
    }

    if (row.get<std::string>("state") == "done") {
        stored_response stored;
        stored.status = row.get<int>("status");
        stored.content_type = row.get<std::optional<std::string>>("content_type").value_or("");
        stored.headers =
            decode_headers(row.get<std::optional<std::string>>("headers").value_or("[]"));
        stored.body = row.get<std::optional<std::string>>("body").value_or("");
        claim answered;
        answered.what = claim::outcome::replay;
        answered.stored = std::move(stored);
        co_return std::optional<claim>{std::move(answered)};
    }

    if (row.get<std::optional<std::int64_t>>("locked_until_ms").value_or(0) > now_ms) {
        claim running;
        running.what = claim::outcome::in_flight;
        co_return std::optional<claim>{std::move(running)};
    }

    // The first attempt stopped without an answer (its instance died): take the key over, unless
    // another retry got there first.
    auto previous = row.get<std::optional<std::string>>("owner").value_or("");
    auto taken = co_await db_.execute(
        "UPDATE idempotency_keys SET owner = $3, locked_until_ms = $4, request_id = $5 "
        "WHERE scope = $1 AND idem_key = $2 AND state = 'running' AND owner = $6",
        scope, key, owner, locked_until, request_id, previous
    );
    if (!taken) {
        co_return std::move(taken).error();
    }
    if (taken->affected() != 1) {
        co_return std::optional<claim>{};
    }
    core::log::warn("idempotency key taken over after its lock expired")
        .field("request_id", request_id)
        .field("previous_owner", previous);
    claim mine;
    mine.owner = std::move(owner);
    co_return std::optional<claim>{std::move(mine)};
}

namespace {

constexpr std::string_view complete_sql =
    "UPDATE idempotency_keys SET state = 'done', owner = NULL, locked_until_ms = NULL, "
    "status = $4, content_type = $5, headers = $6, body = $7, expires_at_ms = $8 "
    "WHERE scope = $1 AND idem_key = $2 AND owner = $3 AND state = 'running'";

constexpr std::string_view answer_sql =
    "INSERT INTO idempotency_keys (scope, idem_key, method, path, body_sha256, state, owner, "
    "locked_until_ms, request_id, status, content_type, headers, body, created_at_ms, "
    "expires_at_ms) VALUES ($1, $2, $3, $4, $5, 'done', NULL, NULL, $6, $7, $8, $9, $10, $11, "
    "$12) ON CONFLICT (scope, idem_key) DO UPDATE SET method = excluded.method, "
    "path = excluded.path, body_sha256 = excluded.body_sha256, state = 'done', owner = NULL, "
    "locked_until_ms = NULL, request_id = excluded.request_id, status = excluded.status, "
    "content_type = excluded.content_type, headers = excluded.headers, body = excluded.body, "
    "created_at_ms = excluded.created_at_ms, expires_at_ms = excluded.expires_at_ms "
    "WHERE idempotency_keys.expires_at_ms <= excluded.created_at_ms";

// Not built in the coroutine: g++ 12 cannot copy an initializer list's array into its frame.
db::params answer_params(
    const std::string& scope,
    const std::string& key,
    const fingerprint& request,
    const std::string& request_id,
    const stored_response& response,
    core::time_point now,
    std::chrono::seconds ttl
) {
    return db::params{
        db::param(scope),
        db::param(key),
        db::param(request.method),
        db::param(request.path),
        db::param(request.body_sha256),
        db::param(request_id),
        db::param(response.status),
        db::param(response.content_type),
        db::param(encode_headers(response.headers)),
        db::param(response.body),
        db::param(to_ms(now)),
        db::param(to_ms(now + ttl))};
}

}  // namespace

db::params key_store::completion(
    const std::string& scope,
    const std::string& key,
    const std::string& owner,
    const stored_response& response
) const {
    return db::params{
        db::param(scope),
        db::param(key),
        db::param(owner),
        db::param(response.status),
        db::param(response.content_type),
        db::param(encode_headers(response.headers)),
        db::param(response.body),
        db::param(to_ms(clock_.now() + settings_.ttl))};
}

core::task<core::result<bool>> key_store::complete(
    std::string scope, std::string key, std::string owner, stored_response response
) {
    auto done =
        co_await db_.write(std::string{complete_sql}, completion(scope, key, owner, response));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return done->affected() == 1;
}

core::task<core::result<bool>> key_store::complete_in(
    db::transaction& tx,
    const std::string& scope,
    const std::string& key,
    const std::string& owner,
    const stored_response& response
) {
    auto done = co_await tx.run(std::string{complete_sql}, completion(scope, key, owner, response));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return done->affected() == 1;
}

core::task<core::result<bool>> key_store::answer_in(
    db::transaction& tx,
    const std::string& scope,
    const std::string& key,
    const fingerprint& request,
    const std::string& request_id,
    const stored_response& response
) {
    auto done = co_await tx.run(
        std::string{answer_sql},
        answer_params(scope, key, request, request_id, response, clock_.now(), settings_.ttl)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return done->affected() == 1;
}

core::task<core::result<void>> claimed_key::record(
    db::transaction& tx, const http::request& req, const http::response& res
) {
    written_ = false;
    auto keep = to_store(req, res);
    if (!keep) {
        co_return core::ok();
    }
    // Not a ternary: g++ 12 miscompiles co_await in a conditional expression.
    core::result<bool> done = false;
    if (pending_) {
        done = co_await store_.answer_in(
            tx, scope_, key_, pending_->request, pending_->request_id, *keep
        );
    } else {
        done = co_await store_.complete_in(tx, scope_, key_, owner_, *keep);
    }
    if (!done) {
        co_return std::move(done).error();
    }
    if (!*done) {
        taken_ = true;
        co_return core::fail(
            core::errc::idempotency_conflict,
            "another request with this Idempotency-Key was answered or taken over while this one "
            "ran"
        );
    }
    written_ = true;
    co_return core::ok();
}

claimed_key* claimed_key_of(const http::request& req) noexcept {
    return dynamic_cast<claimed_key*>(req.idempotency.get());
}

core::task<core::result<void>> key_store::release(
    std::string scope, std::string key, std::string owner
) {
    auto gone = co_await db_.execute(
        "DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND owner = $3 "
        "AND state = 'running'",
        scope, key, owner
    );
    if (!gone) {
        co_return std::move(gone).error();
    }
    co_return core::ok();
}

core::task<core::result<std::int64_t>> key_store::purge_expired(int batch) {
    auto gone = co_await db_.execute(
        "DELETE FROM idempotency_keys WHERE (scope, idem_key) IN (SELECT scope, idem_key FROM "
        "idempotency_keys WHERE expires_at_ms <= $1 LIMIT $2)",
        to_ms(clock_.now()), batch
    );
    if (!gone) {
        co_return std::move(gone).error();
    }
    co_return gone->affected();
}

guard::guard(
    db::database& db, const core::clock& clock, core::metrics::registry& metrics, settings s
)
    : store_(db, clock, s),
      settings_(s),
      stored_(metrics.get_counter(
          "idempotency_requests_total",
          "POSTs with an Idempotency-Key, by outcome",
          {{"outcome", "stored"}}
      )),
      replayed_(metrics.get_counter(
          "idempotency_requests_total",
          "POSTs with an Idempotency-Key, by outcome",
          {{"outcome", "replayed"}}
      )),
      mismatched_(metrics.get_counter(
          "idempotency_requests_total",
          "POSTs with an Idempotency-Key, by outcome",
          {{"outcome", "mismatch"}}
      )),
      in_flight_(metrics.get_counter(
          "idempotency_requests_total",
          "POSTs with an Idempotency-Key, by outcome",
          {{"outcome", "in_flight"}}
      )),
      not_stored_(metrics.get_counter(
          "idempotency_requests_total",
          "POSTs with an Idempotency-Key, by outcome",
          {{"outcome", "not_stored"}}
      )),
      unscoped_(metrics.get_counter(
          "idempotency_requests_total",
          "POSTs with an Idempotency-Key, by outcome",
          {{"outcome", "anonymous"}}
      )),
      lost_(metrics.get_counter(
          "idempotency_requests_total",
          "POSTs with an Idempotency-Key, by outcome",
          {{"outcome", "lost"}}
      )),
      failed_(metrics.get_counter(
          "idempotency_store_errors_total",
          "Idempotency key store statements that failed (the request was answered 503 or its "
          "response was not kept)"
      )),
      purged_(
          metrics.get_counter("idempotency_keys_purged_total", "Expired idempotency keys deleted")
      ) {}

bool guard::applies(const http::request& req, const http::route_info& route) const {
    if (req.verb != http::method::post ||
        route.options.idempotency == http::idempotency_mode::off) {
        return false;
    }
    return route.options.idempotency == http::idempotency_mode::required ||
           req.header(header_name).has_value();
}

core::task<http::response> guard::run(
    http::request& req, const http::route_info& route, const http::handler& next
) {
    // applies() lets a request without the header through only on routes that require it.
    auto key = req.header(header_name);
    if (!key) {
        co_return http::problem(core::error{
            core::errc::bad_request,
            "this route requires an Idempotency-Key header (1-255 printable ASCII characters, "
            "such as a UUID)"});
    }
    auto sent = std::count_if(req.headers.begin(), req.headers.end(), [](const auto& h) {
        return h.first == header_name;
    });
    if (sent > 1) {
        co_return http::problem(core::error{
            core::errc::bad_request, "send one Idempotency-Key header, not several"});
    }
    if (auto bad = check_key(*key)) {
        co_return http::problem(core::error{core::errc::bad_request, *bad});
    }
    auto scope = scope_of(req);
    if (!scope) {
        unscoped_.inc();
        co_return co_await next(req);
    }

    std::string key_text{*key};
    fingerprint request{std::string{http::to_string(req.verb)}, req.target, sha256_hex(req.body)};
    if (route.options.idempotency_claimed_by_effect) {
        co_return co_await run_claimed_by_effect(req, *scope, key_text, std::move(request), next);
    }
    auto claimed = co_await claim_or_answer(*scope, key_text, std::move(request), req.request_id);
    if (auto* answer = std::get_if<http::response>(&claimed)) {
        co_return std::move(*answer);
    }
    const auto owner = std::get<std::string>(std::move(claimed));

    auto claimed_here = std::make_shared<claimed_key>(store_, *scope, key_text, owner);
    req.idempotency = claimed_here;
    http::response res;
    std::exception_ptr failure;
    try {
        res = co_await next(req);
    } catch (...) {
        failure = std::current_exception();
    }
    req.idempotency.reset();
    if (failure) {
        co_await release(*scope, key_text, owner);
        std::rethrow_exception(failure);
    }
    if (claimed_here->stored()) {
        // Recorded by the handler, in the transaction of its effect.
        stored_.inc();
        co_return res;
    }
    co_return co_await finish(req, std::move(res), *scope, key_text, owner);
}

core::task<http::response> guard::run_claimed_by_effect(
    http::request& req,
    const std::string& scope,
    const std::string& key,
    fingerprint request,
    const http::handler& next
) {
    auto pending = std::make_shared<claimed_key>(
        store_, scope, key, claimed_key::unclaimed{request, req.request_id}
    );
    req.idempotency = pending;
    http::response res;
    try {
        res = co_await next(req);
    } catch (...) {
        // Nothing was claimed, so nothing is held.
        req.idempotency.reset();
        throw;
    }
    req.idempotency.reset();
    if (pending->stored()) {
        stored_.inc();
        co_return res;
    }
    if (!pending->taken() && !to_store(req, res)) {
        // Nothing to keep (a server error, a stream): no claim to write and release.
        not_stored_.inc();
        co_return res;
    }
    // No effect committed with an answer: the request failed, or another request with the key
    // was answered first (a retry of a finished request runs up to here). Claim it now: the
    // first answer is replayed, or this one is stored.
    auto claimed = co_await claim_or_answer(scope, key, std::move(request), req.request_id);
    if (auto* answer = std::get_if<http::response>(&claimed)) {
        co_return std::move(*answer);
    }
    const auto owner = std::get<std::string>(std::move(claimed));
    if (pending->taken()) {
        // The request that took the key is gone without an answer; this 409 is not one either.
        co_await release(scope, key, owner);
        co_return res;
    }
    co_return co_await finish(req, std::move(res), scope, key, owner);
}

core::task<guard::claim_result> guard::claim_or_answer(
    const std::string& scope,
    const std::string& key,
    fingerprint request,
    const std::string& request_id
) {
    auto claimed = co_await store_.claim_key(scope, key, std::move(request), request_id);
    if (!claimed) {
        failed_.inc();
        co_return http::problem(unavailable(claimed.error()));
    }
    switch (claimed->what) {
        case claim::outcome::replay:
            replayed_.inc();
            co_return replay(*claimed->stored, request_id);
        case claim::outcome::mismatch: {
            mismatched_.inc();
            co_return http::problem(core::error{
                core::errc::idempotency_conflict,
                "this Idempotency-Key was already used for a different request (method, path or "
                "body); send a new key for a new request"});
        }
        case claim::outcome::in_flight: {
            in_flight_.inc();
            core::error busy{
                core::errc::idempotency_conflict,
                "a request with this Idempotency-Key is still being processed; retry once it has "
                "finished"};
            busy.retry_after = 1;
            co_return http::problem(std::move(busy));
        }
        case claim::outcome::claimed:
            break;
    }
    co_return std::move(claimed->owner);
}

core::task<http::response> guard::finish(
    const http::request& req,
    http::response res,
    const std::string& scope,
    const std::string& key,
    const std::string& owner
) {
    auto keep = to_store(req, res);
    if (!keep) {
        not_stored_.inc();
        co_await release(scope, key, owner);
        co_return res;
    }
    auto done = co_await store_.complete(scope, key, owner, std::move(*keep));
    if (!done) {
        // The response still goes out; a retry finds the key running until its lock expires, then
        // runs again.
        failed_.inc();
        core::log::error("cannot store an idempotent response")
            .field("request_id", req.request_id)
            .field("cause", done.error().detail);
    } else if (!*done) {
        lost_.inc();
        core::log::warn("idempotency key lost before its response was stored")
            .field("request_id", req.request_id)
            .field("route", req.route_template);
    } else {
        stored_.inc();
    }
    co_return res;
}

core::task<void> guard::release(std::string scope, std::string key, std::string owner) {
    auto released = co_await store_.release(std::move(scope), std::move(key), std::move(owner));
    if (!released) {
        // The key stays running until its lock expires; then a retry takes it over.
        failed_.inc();
        core::log::error("cannot release an idempotency key")
            .field("cause", released.error().detail);
    }
}

core::periodic_job guard::purge_job() {
    return {"idempotency_purge", settings_.purge_interval, std::bind_front(&guard::purge, this)};
}

core::task<core::result<void>> guard::purge() {
    for (int round = 0; round < max_purge_rounds; ++round) {
        auto gone = co_await store_.purge_expired(settings_.purge_batch);
        if (!gone) {
            co_return std::move(gone).error();
        }
        purged_.inc(static_cast<std::uint64_t>(*gone));
        if (*gone < settings_.purge_batch) {
            break;
        }
    }
    co_return core::ok();
}

}  // namespace infra::idempotency
