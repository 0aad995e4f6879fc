#include "modules/vendor/image_service.hpp"

#include <algorithm>
#include <functional>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "infra/media/content_key.hpp"
#include "infra/media/image.hpp"

namespace vendor {
namespace {

using core::errc;
using core::fail;

core::error no_such_product() { return core::error{errc::not_found, "no such product"}; }
core::error no_such_image() { return core::error{errc::not_found, "no such image"}; }
core::error no_room() {
    return core::error{
        errc::conflict, "a product has at most " + std::to_string(image_limits::per_product) +
                            " images: delete one first"};
}

// The index of `id` in `images`, or images.size().
std::size_t index_of(const std::vector<product_image>& images, const std::string& id) {
    auto at = std::find_if(images.begin(), images.end(), [&](const product_image& i) {
        return i.id == id;
    });
    return static_cast<std::size_t>(at - images.begin());
}

}  // namespace

image_service::image_service(
    infra::db::database& db,
    const core::clock& clock,
    infra::bus::dispatcher& events,
    store_service& stores,
    infra::media::storage& media,
    std::size_t max_bytes
)
    : db_(db),
      clock_(clock),
      events_(events),
      stores_(stores),
      media_(media),
      max_bytes_(max_bytes) {}

core::task<core::result<product_image>> image_service::add(
    core::principal who, std::string product_id, image_upload up
) {
    if (!core::is_id(product_id, "prod")) {
        co_return no_such_product();
    }
    if (up.bytes.size() > max_bytes_) {
        co_return fail(
            errc::payload_too_large,
            "an image may have at most " + std::to_string(max_bytes_) + " bytes"
        );
    }
    // What the file is comes from its bytes, whatever the part's Content-Type or name claims.
    auto info = infra::media::sniff_image(up.bytes);
    if (!info) {
        co_return fail(
            errc::unsupported_media_type, "the file is not a JPEG, PNG, GIF or WebP image"
        );
    }
    if (info->width > image_limits::side || info->height > image_limits::side) {
        co_return core::error{
            errc::invalid,
            "1 field is invalid",
            {{"/file", "dimensions",
              "must be at most " + std::to_string(image_limits::side) + " pixels wide and high"}}};
    }
    // Refusals (not yours, deleted, full) come before the disk is touched.
    auto check = std::bind_front(&image_service::check_room_tx, this, who, product_id);
    auto room = co_await infra::db::transact(db_, std::move(check), infra::db::tx_mode::read);
    if (!room) {
        co_return std::move(room).error();
    }
    auto now = clock_.now();
    product_image image;
    image.id = core::new_id("img", now);
    image.product_id = std::move(product_id);
    image.media_key = infra::media::content_key(up.bytes, info->extension);
    image.url = media_.url(image.media_key);
    image.alt = std::move(up.alt);
    image.content_type = std::string{info->mime};
    image.width = info->width;
    image.height = info->height;
    image.size_bytes = static_cast<std::int64_t>(up.bytes.size());
    image.created_at = now;
    image.updated_at = now;
    // The file before the row, so that no row ever points at nothing.
    auto key = image.media_key;
    auto stored = co_await media_.put(key, std::move(up.bytes));
    if (!stored) {
        co_return std::move(stored).error();
    }
    auto body = std::bind_front(
        &image_service::add_tx, this, std::move(who), std::move(image), up.position
    );
    // Serializable: two concurrent uploads cannot both take the last free place.
    auto added =
        co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::serializable_write);
    if (!added) {
        co_await forget(std::move(key));
        co_return added;
    }
    events_.notify();
    co_return added;
}

core::task<core::result<void>> image_service::check_room_tx(
    core::principal who, std::string product_id, infra::db::transaction& tx
) {
    auto found = co_await changeable(tx, who, product_id);
    if (!found) {
        co_return std::move(found).error();
    }
    auto images = co_await repo_.of_product(tx, std::move(product_id));
    if (!images) {
        co_return std::move(images).error();
    }
    if (images->size() >= image_limits::per_product) {
        co_return no_room();
    }
    co_return core::ok();
}

core::task<core::result<product_image>> image_service::add_tx(
    core::principal who,
    product_image image,
    std::optional<int> position,
    infra::db::transaction& tx
) {
    // Checked again: the product may have changed since check_room_tx.
    auto found = co_await changeable(tx, who, image.product_id);
    if (!found) {
        co_return std::move(found).error();
    }
    auto images = co_await repo_.of_product(tx, image.product_id);
    if (!images) {
        co_return std::move(images).error();
    }
    if (images->size() >= image_limits::per_product) {
        co_return no_room();
    }
    image.vendor_id = found->snapshot.vendor_id;
    // A position past the end places the image last: positions stay 0..n-1.
    auto at = images->size();
    if (position) {
        at = std::min(static_cast<std::size_t>(std::max(0, *position)), at);
    }
    image.position = static_cast<int>(at);
    images->insert(images->begin() + static_cast<std::ptrdiff_t>(at), image);
    auto renumbered = co_await renumber(tx, *images, image.created_at);
    if (!renumbered) {
        co_return std::move(renumbered).error();
    }
    auto inserted = co_await repo_.insert(tx, image);
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    auto touched = co_await touch(tx, std::move(*found), image.created_at);
    if (!touched) {
        co_return std::move(touched).error();
    }
    co_return image;
}

core::task<core::result<std::vector<product_image>>> image_service::list(
    core::principal who, std::string product_id
) {
    if (!core::is_id(product_id, "prod")) {
        co_return no_such_product();
    }
    auto body =
        std::bind_front(&image_service::list_tx, this, std::move(who), std::move(product_id));
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<std::vector<product_image>>> image_service::list_tx(
    core::principal who, std::string product_id, infra::db::transaction& tx
) {
    auto found = co_await owned(tx, who, product_id);
    if (!found) {
        co_return std::move(found).error();
    }
    co_return co_await repo_.of_product(tx, std::move(product_id));
}

core::task<core::result<product_image>> image_service::get(
    core::principal who, std::string product_id, std::string image_id
) {
    if (!core::is_id(image_id, "img")) {
        co_return no_such_image();
    }
    auto images = co_await list(std::move(who), std::move(product_id));
    if (!images) {
        co_return std::move(images).error();
    }
    auto at = index_of(*images, image_id);
    if (at == images->size()) {
        co_return no_such_image();
    }
    co_return std::move((*images)[at]);
}

core::task<core::result<product_image>> image_service::update(
    core::principal who, std::string product_id, std::string image_id, image_patch p
) {
    if (!core::is_id(product_id, "prod")) {
        co_return no_such_product();
    }
    if (!core::is_id(image_id, "img")) {
        co_return no_such_image();
    }
    auto body = std::bind_front(
        &image_service::update_tx, this, std::move(who), std::move(product_id), std::move(image_id),
        std::move(p)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<product_image>> image_service::update_tx(
    core::principal who,
    std::string product_id,
    std::string image_id,
    image_patch p,
    infra::db::transaction& tx
) {
    auto found = co_await changeable(tx, who, product_id);
    if (!found) {
        co_return std::move(found).error();
    }
    auto images = co_await repo_.of_product(tx, std::move(product_id));
    if (!images) {
        co_return std::move(images).error();
    }
    auto from = index_of(*images, image_id);
    if (from == images->size()) {
        co_return no_such_image();
    }
    if (p.empty()) {
        co_return std::move((*images)[from]);
    }
    auto now = clock_.now();
    auto image = std::move((*images)[from]);
    images->erase(images->begin() + static_cast<std::ptrdiff_t>(from));
    auto to = std::min(
        static_cast<std::size_t>(std::max(0, p.position.value_or(static_cast<int>(from)))),
        images->size()
    );
    if (p.alt.present) {
        image.alt = std::move(p.alt.value);
    }
    image.updated_at = now;
    images->insert(images->begin() + static_cast<std::ptrdiff_t>(to), image);
    auto renumbered = co_await renumber(tx, *images, now);
    if (!renumbered) {
        co_return std::move(renumbered).error();
    }
    // Its alt may have changed where its position did not.
    image.position = static_cast<int>(to);
    auto saved = co_await repo_.update(tx, image);
    if (!saved) {
        co_return std::move(saved).error();
    }
    auto touched = co_await touch(tx, std::move(*found), now);
    if (!touched) {
        co_return std::move(touched).error();
    }
    co_return image;
}

core::task<core::result<void>> image_service::remove(
    core::principal who, std::string product_id, std::string image_id
) {
    if (!core::is_id(product_id, "prod")) {
        co_return no_such_product();
    }
    if (!core::is_id(image_id, "img")) {
        co_return no_such_image();
    }
    auto body = std::bind_front(
        &image_service::remove_tx, this, std::move(who), std::move(product_id), std::move(image_id)
    );
    auto removed = co_await infra::db::transact(db_, std::move(body));
    if (!removed) {
        co_return std::move(removed).error();
    }
    events_.notify();
    if (*removed) {
        co_await forget(std::move(**removed));
    }
    co_return core::ok();
}

core::task<core::result<std::optional<std::string>>> image_service::remove_tx(
    core::principal who, std::string product_id, std::string image_id, infra::db::transaction& tx
) {
    // A deleted product's images may still be removed: that frees their files.
    auto found = co_await owned(tx, who, product_id);
    if (!found) {
        co_return std::move(found).error();
    }
    auto images = co_await repo_.of_product(tx, std::move(product_id));
    if (!images) {
        co_return std::move(images).error();
    }
    auto at = index_of(*images, image_id);
    if (at == images->size()) {
        co_return no_such_image();
    }
    auto key = std::move((*images)[at].media_key);
    images->erase(images->begin() + static_cast<std::ptrdiff_t>(at));
    auto removed = co_await repo_.remove(tx, std::move(image_id));
    if (!removed) {
        co_return std::move(removed).error();
    }
    auto now = clock_.now();
    auto renumbered = co_await renumber(tx, *images, now);
    if (!renumbered) {
        co_return std::move(renumbered).error();
    }
    auto touched = co_await touch(tx, std::move(*found), now);
    if (!touched) {
        co_return std::move(touched).error();
    }
    if (key.empty()) {
        co_return std::optional<std::string>{};
    }
    co_return std::optional{std::move(key)};
}

core::task<core::result<product>> image_service::owned(
    infra::db::transaction& tx, const core::principal& who, std::string product_id
) {
    auto m = co_await stores_.require(tx, who.user_id, store_access::active, false);
    if (!m) {
        co_return std::move(m).error();
    }
    auto found = co_await products_.find(tx, std::move(product_id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found || (*found)->snapshot.vendor_id != m->vendor_id) {
        co_return no_such_product();
    }
    co_return std::move(**found);
}

core::task<core::result<product>> image_service::changeable(
    infra::db::transaction& tx, const core::principal& who, std::string product_id
) {
    auto found = co_await owned(tx, who, std::move(product_id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (found->snapshot.status == "deleted") {
        co_return fail(errc::conflict, "the product is deleted");
    }
    co_return std::move(found);
}

core::task<core::result<void>> image_service::renumber(
    infra::db::transaction& tx, std::vector<product_image>& images, core::time_point now
) {
    for (std::size_t i = 0; i < images.size(); ++i) {
        auto& image = images[i];
        if (image.position == static_cast<int>(i)) {
            continue;
        }
        image.position = static_cast<int>(i);
        image.updated_at = now;
        auto saved = co_await repo_.update(tx, image);
        if (!saved) {
            co_return std::move(saved).error();
        }
    }
    co_return core::ok();
}

core::task<core::result<void>> image_service::touch(
    infra::db::transaction& tx, product p, core::time_point now
) {
    p.version += 1;
    p.snapshot.updated_at = now;
    auto saved = co_await products_.update(tx, p);
    if (!saved) {
        co_return std::move(saved).error();
    }
    boost::json::object data{{"product_id", p.snapshot.id}, {"vendor_id", p.snapshot.vendor_id}};
    auto appended = co_await infra::bus::append(
        tx, clock_, std::string{events::product_updated}, p.snapshot.id, std::move(data)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return core::ok();
}

core::task<core::result<std::int64_t>> image_service::references_tx(
    std::string media_key, infra::db::transaction& tx
) {
    co_return co_await repo_.references(tx, std::move(media_key));
}

core::task<void> image_service::forget(std::string media_key) {
    auto count = std::bind_front(&image_service::references_tx, this, media_key);
    auto refs = co_await infra::db::transact(db_, std::move(count), infra::db::tx_mode::read);
    if (!refs) {
        core::log::warn("could not check the uses of a media file")
            .field("key", media_key)
            .field("cause", refs.error().detail);
        co_return;
    }
    if (*refs > 0) {
        co_return;  // other images show the same bytes
    }
    auto removed = co_await media_.remove(media_key);
    if (!removed) {
        core::log::warn("could not remove an unused media file")
            .field("key", media_key)
            .field("cause", removed.error().detail);
    }
}

}  // namespace vendor
