// SQL for product images. A product has few images (image_limits::per_product), so they are read
// and renumbered as a whole.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/vendor/image_model.hpp"

namespace vendor {

class image_repo {
public:
    // The product's images by position.
    core::task<core::result<std::vector<product_image>>> of_product(
        infra::db::transaction& tx, std::string product_id
    );
    core::task<core::result<void>> insert(infra::db::transaction& tx, const product_image& i);
    // Alt text, position and update time.
    core::task<core::result<void>> update(infra::db::transaction& tx, const product_image& i);
    core::task<core::result<void>> remove(infra::db::transaction& tx, std::string id);
    // How many image rows use the stored file `media_key`.
    core::task<core::result<std::int64_t>> references(
        infra::db::transaction& tx, std::string media_key
    );
};

}  // namespace vendor
