// GET /api/v1/media/{key}: uploaded images (and export files) from the media storage. Keys are
// content-addressed, so responses are cacheable forever.
#pragma once

#include "core/http/router.hpp"
#include "infra/media/storage.hpp"

namespace app {

void register_media_routes(core::http::router& r, infra::media::storage& media);

}  // namespace app
