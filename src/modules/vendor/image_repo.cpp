#include "modules/vendor/image_repo.hpp"

#include "modules/vendor/model.hpp"

namespace vendor {
namespace {

product_image image_of(const infra::db::row& r) {
    auto created = from_ms(r.get<std::int64_t>(11));
    auto updated = r.get<std::optional<std::int64_t>>(12);
    return product_image{
        .id = r.get<std::string>(0),
        .product_id = r.get<std::string>(1),
        .vendor_id = r.get<std::string>(2),
        .url = r.get<std::string>(3),
        .media_key = r.get<std::optional<std::string>>(4).value_or(""),
        .alt = r.get<std::optional<std::string>>(5),
        .content_type = r.get<std::optional<std::string>>(6).value_or(""),
        .width = static_cast<std::uint32_t>(r.get<std::optional<std::int64_t>>(7).value_or(0)),
        .height = static_cast<std::uint32_t>(r.get<std::optional<std::int64_t>>(8).value_or(0)),
        .size_bytes = r.get<std::optional<std::int64_t>>(9).value_or(0),
        .position = r.get<int>(10),
        .created_at = created,
        .updated_at = updated ? from_ms(*updated) : created,
    };
}

}  // namespace

core::task<core::result<std::vector<product_image>>> image_repo::of_product(
    infra::db::transaction& tx, std::string product_id
) {
    auto found = co_await tx.query(
        "SELECT id, product_id, vendor_id, url, media_key, alt, content_type, width, height, "
        "size_bytes, position, created_at_ms, updated_at_ms FROM product_images "
        "WHERE product_id = $1 ORDER BY position, id",
        std::move(product_id)
    );
    if (!found) {
        co_return std::move(found).error();
    }
    std::vector<product_image> out;
    out.reserve(found->size());
    for (auto r : *found) {
        out.push_back(image_of(r));
    }
    co_return out;
}

core::task<core::result<void>> image_repo::insert(
    infra::db::transaction& tx, const product_image& i
) {
    infra::db::params args{
        i.id,
        i.product_id,
        i.vendor_id,
        i.url,
        i.media_key,
        i.alt,
        i.content_type,
        i.width,
        i.height,
        i.size_bytes,
        i.position,
        to_ms(i.created_at),
        to_ms(i.updated_at)};
    auto done = co_await tx.run(
        "INSERT INTO product_images (id, product_id, vendor_id, url, media_key, alt, content_type, "
        "width, height, size_bytes, position, created_at_ms, updated_at_ms) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> image_repo::update(
    infra::db::transaction& tx, const product_image& i
) {
    auto done = co_await tx.query(
        "UPDATE product_images SET alt = $2, position = $3, updated_at_ms = $4 WHERE id = $1", i.id,
        i.alt, i.position, to_ms(i.updated_at)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> image_repo::remove(infra::db::transaction& tx, std::string id) {
    auto done = co_await tx.query("DELETE FROM product_images WHERE id = $1", std::move(id));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<std::int64_t>> image_repo::references(
    infra::db::transaction& tx, std::string media_key
) {
    auto found = co_await tx.query(
        "SELECT COUNT(*) FROM product_images WHERE media_key = $1", std::move(media_key)
    );
    if (!found) {
        co_return std::move(found).error();
    }
    co_return found->front().get<std::int64_t>(0);
}

}  // namespace vendor
