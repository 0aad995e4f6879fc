#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "infra/media/storage.hpp"

namespace infra::media {
namespace {

namespace fs = std::filesystem;

core::error io_error(const std::string& what, const fs::path& path) {
    return core::error{core::errc::internal, what + " " + path.string() + ": " + std::strerror(errno)};
}

class local_storage final : public storage {
public:
    local_storage(fs::path dir, std::string base_url, core::worker_pool& workers)
        : dir_(std::move(dir)), base_url_(std::move(base_url)), workers_(workers) {}

    core::task<core::result<void>> put(std::string key, std::string bytes) override {
        if (!is_media_key(key)) {
            co_return core::fail(core::errc::invalid, "not a media key: " + key);
        }
        auto job = [this, key = std::move(key), bytes = std::move(bytes)] {
            return write(key, bytes);
        };
        co_return co_await workers_.run(std::move(job));
    }

    core::task<core::result<std::optional<media_object>>> get(std::string key) override {
        if (!is_media_key(key)) {
            co_return std::optional<media_object>{};
        }
        auto job = [this, key = std::move(key)] { return read(key); };
        co_return co_await workers_.run(std::move(job));
    }

    core::task<core::result<void>> remove(std::string key) override {
        if (!is_media_key(key)) {
            co_return core::ok();
        }
        auto job = [this, key = std::move(key)]() -> core::result<void> {
            std::error_code ec;
            fs::remove(dir_ / key, ec);
            if (ec) {
                return core::error{core::errc::internal, "cannot remove " + key + ": " + ec.message()};
            }
            return core::ok();
        };
        co_return co_await workers_.run(std::move(job));
    }

    std::string url(std::string_view key) const override { return base_url_ + std::string{key}; }

private:
    core::result<void> write(const std::string& key, const std::string& bytes) const {
        std::error_code ec;
        fs::create_directories(dir_, ec);
        if (ec) {
            return core::error{core::errc::internal, "cannot create " + dir_.string() + ": " + ec.message()};
        }
        auto final_path = dir_ / key;
        if (fs::exists(final_path, ec)) {
            return core::ok();  // content-addressed: same key, same bytes
        }
        // A unique temporary name: concurrent uploads of the same image race harmlessly.
        thread_local std::mt19937_64 rng{std::random_device{}()};
        auto tmp = dir_ / ("." + key + "." + std::to_string(rng()) + ".tmp");
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            return io_error("cannot create", tmp);
        }
        std::size_t written = 0;
        while (written < bytes.size()) {
            auto n = ::write(fd, bytes.data() + written, bytes.size() - written);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                auto err = io_error("cannot write", tmp);
                ::close(fd);
                ::unlink(tmp.c_str());
                return err;
            }
            written += static_cast<std::size_t>(n);
        }
        if (::fsync(fd) != 0 || ::close(fd) != 0) {
            auto err = io_error("cannot flush", tmp);
            ::unlink(tmp.c_str());
            return err;
        }
        if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
            auto err = io_error("cannot rename to", final_path);
            ::unlink(tmp.c_str());
            return err;
        }
        return core::ok();
    }

    core::result<std::optional<media_object>> read(const std::string& key) const {
        std::ifstream in{dir_ / key, std::ios::binary};
        if (!in) {
            return std::optional<media_object>{};
        }
        std::ostringstream out;
        out << in.rdbuf();
        return std::optional<media_object>{
            media_object{std::move(out).str(), std::string{content_type_of(key)}}};
    }

    fs::path dir_;
    std::string base_url_;
    core::worker_pool& workers_;
};

}  // namespace

bool is_media_key(std::string_view key) noexcept {
    if (key.empty() || key.size() > 128) {
        return false;
    }
    int dots = 0;
    for (char c : key) {
        if (c == '.') {
            ++dots;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return false;
        }
    }
    return dots == 1 && key.front() != '.' && key.back() != '.';
}

std::string_view content_type_of(std::string_view key) noexcept {
    auto ext = key.substr(key.rfind('.') + 1);
    if (ext == "jpg") {
        return "image/jpeg";
    }
    if (ext == "png") {
        return "image/png";
    }
    if (ext == "gif") {
        return "image/gif";
    }
    if (ext == "webp") {
        return "image/webp";
    }
    if (ext == "csv") {
        return "text/csv; charset=utf-8";
    }
    return "application/octet-stream";
}

std::unique_ptr<storage> make_local_storage(
    std::filesystem::path dir, std::string base_url, core::worker_pool& workers
) {
    return std::make_unique<local_storage>(std::move(dir), std::move(base_url), workers);
}

}  // namespace infra::media
