// Images of a store's products: upload (sniffed, size- and count-limited, stored content-addressed
// before its row is written), list, reorder or re-caption, delete. Every change bumps the product's
// version and writes product.updated, so the storefront shows the new images.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "infra/media/storage.hpp"
#include "modules/vendor/image_model.hpp"
#include "modules/vendor/image_repo.hpp"
#include "modules/vendor/model.hpp"
#include "modules/vendor/product_repo.hpp"
#include "modules/vendor/store_service.hpp"

namespace vendor {

class image_service {
public:
    image_service(
        infra::db::database& db,
        const core::clock& clock,
        infra::bus::dispatcher& events,
        store_service& stores,
        infra::media::storage& media,
        std::size_t max_bytes
    );

    // Every call acts for the caller's active store; another store's product is `not_found`.
    // `payload_too_large` above the byte limit, `unsupported_media_type` when the bytes are not a
    // JPEG, PNG, GIF or WebP, `invalid` for too many pixels, `conflict` when the product already
    // has image_limits::per_product images or is deleted. Nothing is stored when it fails.
    core::task<core::result<product_image>> add(
        core::principal who, std::string product_id, image_upload up
    );
    core::task<core::result<std::vector<product_image>>> list(
        core::principal who, std::string product_id
    );
    core::task<core::result<product_image>> get(
        core::principal who, std::string product_id, std::string image_id
    );
    core::task<core::result<product_image>> update(
        core::principal who, std::string product_id, std::string image_id, image_patch p
    );
    // The file goes with the last row that uses it.
    core::task<core::result<void>> remove(
        core::principal who, std::string product_id, std::string image_id
    );

    std::size_t max_bytes() const noexcept { return max_bytes_; }

private:
    // The caller's product (any status), or `not_found`.
    core::task<core::result<product>> owned(
        infra::db::transaction& tx, const core::principal& who, std::string product_id
    );
    // owned(), refusing a deleted product (`conflict`).
    core::task<core::result<product>> changeable(
        infra::db::transaction& tx, const core::principal& who, std::string product_id
    );
    core::task<core::result<void>> check_room_tx(
        core::principal who, std::string product_id, infra::db::transaction& tx
    );
    core::task<core::result<product_image>> add_tx(
        core::principal who,
        product_image image,
        std::optional<int> position,
        infra::db::transaction& tx
    );
    core::task<core::result<std::vector<product_image>>> list_tx(
        core::principal who, std::string product_id, infra::db::transaction& tx
    );
    core::task<core::result<product_image>> update_tx(
        core::principal who,
        std::string product_id,
        std::string image_id,
        image_patch p,
        infra::db::transaction& tx
    );
    // The media key to delete once committed, when no other row uses it.
    core::task<core::result<std::optional<std::string>>> remove_tx(
        core::principal who,
        std::string product_id,
        std::string image_id,
        infra::db::transaction& tx
    );
    // Stores each image's index as its position where it differs.
    core::task<core::result<void>> renumber(
        infra::db::transaction& tx, std::vector<product_image>& images, core::time_point now
    );
    // A new product version and product.updated, for the storefront to re-read the images.
    core::task<core::result<void>> touch(
        infra::db::transaction& tx, product p, core::time_point now
    );
    core::task<core::result<std::int64_t>> references_tx(
        std::string media_key, infra::db::transaction& tx
    );
    // Removes a stored file no row uses (after a failed insert or a delete); failures are logged:
    // an orphaned file wastes space but breaks nothing.
    core::task<void> forget(std::string media_key);

    infra::db::database& db_;
    const core::clock& clock_;
    infra::bus::dispatcher& events_;
    store_service& stores_;
    infra::media::storage& media_;
    std::size_t max_bytes_;
    image_repo repo_;
    product_repo products_;
};

}  // namespace vendor
