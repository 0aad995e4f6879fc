// `Idempotency-Key` for POST routes: the first response to a (caller, key) is stored and replayed
// to retries of the same request; a different request with the key, or a retry while the first is
// still running, is a 409 `idempotency-conflict`. Rules: docs/api-conventions.md ("Idempotency").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/http/filter.hpp"
#include "core/jobs.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace infra::idempotency {

struct settings {
    // How long a stored response is replayed.
    std::chrono::seconds ttl{24L * 3600};
    // A key whose request has run this long without finishing (its instance died) may be taken
    // over by a retry.
    std::chrono::milliseconds lock_timeout{60000};
    std::chrono::milliseconds purge_interval{60000};
    // Expired rows deleted per statement; a purge run stops after a few batches.
    int purge_batch = 500;
};

// What a retry must repeat exactly: method, path with query, and the body's SHA-256.
struct fingerprint {
    std::string method;
    std::string path;
    std::string body_sha256;  // hex
    bool operator==(const fingerprint&) const = default;
};

// The parts of a first response that a replay sends again.
struct stored_response {
    int status = 200;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;  // Location, ETag, ...
    std::string body;
};

// The answer of the table to a new request with a key.
struct claim {
    enum class outcome {
        claimed,    // ours to run; finish with complete() or release() presenting `owner`
        replay,     // answered before: `stored`
        mismatch,   // the key belongs to a different request
        in_flight,  // the same request is running now
    };
    outcome what = outcome::claimed;
    std::string owner;
    std::optional<stored_response> stored;
};

// The `idempotency_keys` table (src/infra/db/migrations/0002_idempotency.sql).
class key_store {
public:
    key_store(db::database& db, const core::clock& clock, settings s)
        : db_(db), clock_(clock), settings_(s) {}

    core::task<core::result<claim>> claim_key(
        std::string scope, std::string key, fingerprint request, std::string request_id
    );
    // Stores the response of a claimed key. False when the claim was lost meanwhile (the lock
    // timed out and a retry took the key over, or the row expired and was purged).
    core::task<core::result<bool>> complete(
        std::string scope, std::string key, std::string owner, stored_response response
    );
    // complete() as a statement of `tx`, the write transaction of the effect it answers for.
    core::task<core::result<bool>> complete_in(
        db::transaction& tx,
        const std::string& scope,
        const std::string& key,
        const std::string& owner,
        const stored_response& response
    );
    // Claims a free (or expired) key and stores its response, as one statement of `tx`, the write
    // transaction of the effect it answers for. False when the key is taken: answered, or running.
    core::task<core::result<bool>> answer_in(
        db::transaction& tx,
        const std::string& scope,
        const std::string& key,
        const fingerprint& request,
        const std::string& request_id,
        const stored_response& response
    );
    // Forgets a claimed key without a response (5xx, crash of the handler), so a retry runs again.
    core::task<core::result<void>> release(std::string scope, std::string key, std::string owner);
    // Deletes up to `batch` expired keys; answers how many went.
    core::task<core::result<std::int64_t>> purge_expired(int batch);

private:
    core::task<core::result<std::optional<claim>>> try_claim(
        const std::string& scope,
        const std::string& key,
        const fingerprint& request,
        const std::string& request_id
    );

    db::params completion(
        const std::string& scope,
        const std::string& key,
        const std::string& owner,
        const stored_response& response
    ) const;

    db::database& db_;
    const core::clock& clock_;
    settings settings_;
};

// The key of the request the guard is running. A handler whose effect is one write transaction
// records its response there: the effect and the stored answer commit together, so a retry finds
// both or neither, and the guard has nothing left to write afterwards. On a route whose effect
// claims the key (route_options::idempotency_claimed_by_effect), nothing is written before the
// handler: record() claims the key, and fails when another request with it got there first.
class claimed_key final : public core::http::filter_state {
public:
    // The guard's claim, held while the handler runs.
    claimed_key(key_store& store, std::string scope, std::string key, std::string owner)
        : store_(store), scope_(std::move(scope)), key_(std::move(key)), owner_(std::move(owner)) {}

    // Not claimed yet: record() claims it for `request`.
    struct unclaimed {
        fingerprint request;
        std::string request_id;
    };
    claimed_key(key_store& store, std::string scope, std::string key, unclaimed pending)
        : store_(store),
          scope_(std::move(scope)),
          key_(std::move(key)),
          pending_(std::move(pending)) {}

    // Stores `res` in `tx` as the guard would store it; nothing for a response the guard does not
    // keep (server errors, streams, no-store). `idempotency_conflict` when the key is another
    // request's (a retry took an expired claim over, or another request with an unclaimed key
    // recorded first): the effect must not commit then.
    core::task<core::result<void>> record(
        db::transaction& tx, const core::http::request& req, const core::http::response& res
    );
    // Once the transaction that recorded the response has committed.
    void committed() noexcept { stored_ = written_; }
    bool stored() const noexcept { return stored_; }
    // record() found the key taken by another request.
    bool taken() const noexcept { return taken_; }

private:
    key_store& store_;
    std::string scope_;
    std::string key_;
    std::string owner_;
    std::optional<unclaimed> pending_;
    bool written_ = false;
    bool stored_ = false;
    bool taken_ = false;
};

// The request's claimed key, or null when the guard did not claim one (no key, an anonymous
// caller, a route without idempotency).
claimed_key* claimed_key_of(const core::http::request& req) noexcept;

// 1-255 printable ASCII characters; otherwise the reason, for a 400.
std::optional<std::string> check_key(std::string_view key);

// Whose keys a request uses: `user:<id>` when signed in, else `cart:<sha256 of X-Cart-Token>` for a
// guest with a cart; nullopt for an anonymous caller, whose key is then not stored (a key alone
// must not let anyone else read the response).
std::optional<std::string> scope_of(const core::http::request& req);

// The pipeline filter that applies the rules to POST routes.
class guard final : public core::http::handler_filter {
public:
    guard(db::database& db, const core::clock& clock, core::metrics::registry& metrics, settings s);

    bool applies(const core::http::request& req, const core::http::route_info& route)
        const override;
    core::task<core::http::response> run(
        core::http::request& req,
        const core::http::route_info& route,
        const core::http::handler& next
    ) override;

    // Deletes expired keys in bounded batches; safe on several instances at once.
    core::periodic_job purge_job();

private:
    core::task<core::http::response> run_claimed_by_effect(
        core::http::request& req,
        const std::string& scope,
        const std::string& key,
        fingerprint request,
        const core::http::handler& next
    );
    // What a claim came to: the owner of a claimed key, or the answer to send instead.
    using claim_result = std::variant<std::string, core::http::response>;
    core::task<claim_result> claim_or_answer(
        const std::string& scope,
        const std::string& key,
        fingerprint request,
        const std::string& request_id
    );
    // Stores the handler's response for a claimed key, or releases the key when it is not kept.
    core::task<core::http::response> finish(
        const core::http::request& req,
        core::http::response res,
        const std::string& scope,
        const std::string& key,
        const std::string& owner
    );
    core::task<core::result<void>> purge();
    core::task<void> release(std::string scope, std::string key, std::string owner);

    key_store store_;
    settings settings_;
    core::metrics::counter& stored_;
    core::metrics::counter& replayed_;
    core::metrics::counter& mismatched_;
    core::metrics::counter& in_flight_;
    core::metrics::counter& not_stored_;
    core::metrics::counter& unscoped_;
    core::metrics::counter& lost_;
    core::metrics::counter& failed_;
    core::metrics::counter& purged_;
};

}  // namespace infra::idempotency
