#include "modules/vendor/image_model.hpp"

namespace vendor {

boost::json::object to_json(const product_image& i) {
    return boost::json::object{
        {"id", i.id},
        {"object", "image"},
        {"product_id", i.product_id},
        {"url", i.url},
        {"alt", i.alt ? boost::json::value(*i.alt) : boost::json::value(nullptr)},
        {"content_type", i.content_type},
        {"width", i.width},
        {"height", i.height},
        {"size_bytes", i.size_bytes},
        {"position", i.position},
        {"created_at", core::format_rfc3339(i.created_at)},
        {"updated_at", core::format_rfc3339(i.updated_at)},
    };
}

}  // namespace vendor
