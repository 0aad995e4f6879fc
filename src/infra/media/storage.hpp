// Where uploaded media lives. The embedded profile keeps files on local disk
// (<TRADER_DATA_DIR>/media); an object store (S3, Spaces) fits the same interface. Keys are
// content-addressed, so a stored object never changes and can be cached forever.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/task.hpp"
#include "core/worker_pool.hpp"

namespace infra::media {

struct media_object {
    std::string bytes;
    std::string content_type;
};

class storage {
public:
    virtual ~storage() = default;

    // Stores `bytes` under `key` (lower-case letters, digits, '_', '-', one '.' before the
    // extension); storing the same key again is a no-op.
    virtual core::task<core::result<void>> put(std::string key, std::string bytes) = 0;
    virtual core::task<core::result<std::optional<media_object>>> get(std::string key) = 0;
    virtual core::task<core::result<void>> remove(std::string key) = 0;
    // The URL clients fetch the object from.
    virtual std::string url(std::string_view key) const = 0;
};

// A key of the accepted shape.
bool is_media_key(std::string_view key) noexcept;
// The content type served for a key's extension.
std::string_view content_type_of(std::string_view key) noexcept;

// Files under `dir`, written atomically (temporary file + rename) on the worker pool; served at
// `base_url` + key.
std::unique_ptr<storage> make_local_storage(
    std::filesystem::path dir, std::string base_url, core::worker_pool& workers
);

}  // namespace infra::media
