#include "modules/vendor/rating_sync.hpp"

#include "core/log.hpp"
#include "modules/vendor/catalog.hpp"

namespace vendor {
namespace {

// {average, count, version} as the customer module writes them.
struct aggregate {
    double average = 0;
    std::int64_t count = 0;
    std::int64_t version = 0;
};

std::optional<std::string> text_of(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) {
        return std::nullopt;
    }
    return std::string{v->get_string()};
}

std::optional<aggregate> aggregate_of(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    const auto* a = v != nullptr ? v->if_object() : nullptr;
    if (a == nullptr) {
        return std::nullopt;
    }
    const auto* average = a->if_contains("average");
    const auto* count = a->if_contains("count");
    const auto* version = a->if_contains("version");
    if (average == nullptr || !average->is_number() || count == nullptr || !count->is_int64() ||
        version == nullptr || !version->is_int64()) {
        return std::nullopt;
    }
    return aggregate{
        .average = average->to_number<double>(),
        .count = count->get_int64(),
        .version = version->get_int64()};
}

}  // namespace

core::task<core::result<void>> rating_sync::on_event(
    infra::db::transaction& tx, const infra::bus::event& e
) {
    if (!e.type.starts_with("review.")) {
        co_return core::ok();
    }
    const auto* data = e.data.if_object();
    if (data == nullptr) {
        core::log::warn("review event without data").field("event_id", e.id);
        co_return core::ok();
    }
    auto product = co_await apply_product(tx, *data);
    if (!product) {
        co_return product;
    }
    co_return co_await apply_store(tx, *data);
}

core::task<core::result<void>> rating_sync::apply_product(
    infra::db::transaction& tx, const boost::json::object& data
) {
    auto id = text_of(data, "product_id");
    auto rating = aggregate_of(data, "product_rating");
    if (!id || !rating) {
        co_return core::ok();  // replied events and malformed data carry no product aggregate
    }
    auto updated = co_await tx.query(
        "UPDATE products SET rating_average = $2, rating_count = $3, rating_version = $4"
        " WHERE id = $1 AND rating_version < $4 RETURNING vendor_id",
        *id, rating->average, rating->count, rating->version
    );
    if (!updated) {
        co_return std::move(updated).error();
    }
    if (updated->empty()) {
        co_return core::ok();  // unknown product, or a newer aggregate is stored already
    }
    boost::json::object changed{
        {"product_id", *id}, {"vendor_id", updated->front().get<std::string>(0)}};
    auto appended = co_await infra::bus::append(
        tx, clock_, std::string{events::product_updated}, *id, std::move(changed)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> rating_sync::apply_store(
    infra::db::transaction& tx, const boost::json::object& data
) {
    auto id = text_of(data, "vendor_id");
    auto rating = aggregate_of(data, "store_rating");
    if (!id || !rating) {
        co_return core::ok();
    }
    auto updated = co_await tx.query(
        "UPDATE vendors SET rating_average = $2, rating_count = $3, rating_version = $4"
        " WHERE id = $1 AND rating_version < $4 RETURNING status",
        *id, rating->average, rating->count, rating->version
    );
    if (!updated) {
        co_return std::move(updated).error();
    }
    if (updated->empty()) {
        co_return core::ok();
    }
    boost::json::object changed{
        {"vendor_id", *id}, {"status", updated->front().get<std::string>(0)}};
    auto appended = co_await infra::bus::append(
        tx, clock_, std::string{events::vendor_updated}, *id, std::move(changed)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return core::ok();
}

}  // namespace vendor
