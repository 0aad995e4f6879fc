#include "infra/crypto/jwt.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <utility>

#include "core/log.hpp"

namespace infra::crypto {
namespace {

namespace fs = std::filesystem;
using core::errc;

constexpr std::size_t ed25519_public_key_bytes = 32;
constexpr std::size_t ed25519_signature_bytes = 64;
constexpr std::size_t kid_digest_bytes = 8;
constexpr std::size_t max_key_file_bytes = std::size_t{16} * 1024;
// NumericDate bounds that fit core::time_point (int64 nanoseconds) without overflow: 1970 to 2223.
constexpr std::int64_t max_numeric_date = 8'000'000'000;
constexpr std::string_view key_file_prefix = "jwt-";
constexpr std::string_view key_file_suffix = ".pem";
constexpr std::string_view active_file_name = "active";

struct pkey_deleter {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct md_ctx_deleter {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct bio_deleter {
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_deleter>;
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

// A POSIX file descriptor closed on scope exit.
class unique_fd {
public:
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    unique_fd(unique_fd&&) = delete;
    unique_fd& operator=(unique_fd&&) = delete;
    ~unique_fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const noexcept { return fd_; }
    // Closes now so that a failing close is reported.
    bool close() noexcept {
        int fd = std::exchange(fd_, -1);
        return ::close(fd) == 0;
    }

private:
    int fd_;
};

// Drains OpenSSL's thread-local error queue into an internal error, so no stale entry leaks into
// the next caller on this thread.
core::error openssl_error(std::string_view what) {
    std::string detail{what};
    while (unsigned long code = ERR_get_error()) {
        std::array<char, 256> buf{};
        ERR_error_string_n(code, buf.data(), buf.size());
        detail += detail.size() == what.size() ? ": " : "; ";
        detail += buf.data();
    }
    return {errc::internal, std::move(detail)};
}

core::error io_error(std::string_view what, const fs::path& path, int err) {
    return {
        errc::internal,
        std::string{what} + " " + path.string() + ": " + std::generic_category().message(err)};
}

core::error io_error(std::string_view what, const fs::path& path, const std::error_code& ec) {
    return {errc::internal, std::string{what} + " " + path.string() + ": " + ec.message()};
}

const unsigned char* bytes(std::string_view s) noexcept {
    return reinterpret_cast<const unsigned char*>(s.data());
}

core::error unauthenticated(std::string detail) {
    return {errc::unauthenticated, std::move(detail)};
}

constexpr std::string_view b64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64url_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    if (c == '_') {
        return 63;
    }
    return -1;
}

core::result<std::string> sha256(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &size, EVP_sha256(), nullptr) != 1) {
        return openssl_error("SHA-256 failed");
    }
    return std::string(reinterpret_cast<const char*>(md.data()), size);
}

core::result<std::string> raw_public_key(EVP_PKEY* pkey) {
    std::array<unsigned char, ed25519_public_key_bytes> raw{};
    std::size_t size = raw.size();
    if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &size) != 1 || size != raw.size()) {
        return openssl_error("cannot read the Ed25519 public key");
    }
    return std::string(reinterpret_cast<const char*>(raw.data()), size);
}

core::result<std::string> pem_of(EVP_PKEY* pkey) {
    bio_ptr bio{BIO_new(BIO_s_mem())};
    if (!bio) {
        return openssl_error("cannot allocate a BIO");
    }
    if (PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) !=
        1) {
        return openssl_error("cannot encode the key as PKCS#8 PEM");
    }
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    if (size <= 0 || data == nullptr) {
        return openssl_error("cannot encode the key as PKCS#8 PEM");
    }
    return std::string(data, static_cast<std::size_t>(size));
}

// Never prompts: a passphrase-protected key file is an error, not a terminal read.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

core::result<pkey_ptr> private_key_from_pem(std::string_view pem) {
    if (pem.size() > static_cast<std::size_t>(INT32_MAX)) {
        return core::error{errc::internal, "key file too large"};
    }
    bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
    if (!bio) {
        return openssl_error("cannot allocate a BIO");
    }
    pkey_ptr pkey{PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr)};
    if (!pkey) {
        return openssl_error("not a PEM private key");
    }
    if (EVP_PKEY_is_a(pkey.get(), "ED25519") != 1) {
        return core::error{errc::internal, "not an Ed25519 key"};
    }
    return pkey;
}

// A key's creation time is stored as its file's modification time.
core::time_point to_time_point(fs::file_time_type t) {
    return std::chrono::time_point_cast<core::time_point::duration>(
        std::chrono::file_clock::to_sys(t)
    );
}

timespec to_timespec(core::time_point t) {
    auto since = t.time_since_epoch();
    auto secs = std::chrono::floor<std::chrono::seconds>(since);
    auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs);
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(secs.count());
    ts.tv_nsec = static_cast<long>(nanos.count());
    return ts;
}

core::result<void> fsync_dir(const fs::path& dir) {
    unique_fd fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (fd.get() < 0) {
        return io_error("cannot open", dir, errno);
    }
    if (::fsync(fd.get()) != 0) {
        return io_error("cannot sync", dir, errno);
    }
    return core::ok();
}

// Writes `content` to a temporary file created with `mode`, stamps its modification time when
// asked, syncs it and renames it over `path`, so readers see the old file or the whole new one.
core::result<void> write_file_atomic(
    const fs::path& path, std::string_view content, std::optional<core::time_point> mtime
) {
    fs::path tmp = path;
    tmp.replace_filename("." + path.filename().string() + ".tmp");
    unique_fd fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)};
    if (fd.get() < 0) {
        return io_error("cannot create", tmp, errno);
    }
    // O_CREAT's mode does not apply to a file left behind by an earlier crash.
    if (::fchmod(fd.get(), 0600) != 0) {
        return io_error("cannot chmod", tmp, errno);
    }
    while (!content.empty()) {
        ssize_t n = ::write(fd.get(), content.data(), content.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return io_error("cannot write", tmp, errno);
        }
        content.remove_prefix(static_cast<std::size_t>(n));
    }
    if (mtime) {
        std::array<timespec, 2> times{to_timespec(*mtime), to_timespec(*mtime)};
        if (::futimens(fd.get(), times.data()) != 0) {
            return io_error("cannot set the time of", tmp, errno);
        }
    }
    if (::fsync(fd.get()) != 0) {
        return io_error("cannot sync", tmp, errno);
    }
    if (!fd.close()) {
        return io_error("cannot close", tmp, errno);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return io_error("cannot rename", tmp, err);
    }
    return fsync_dir(path.parent_path());
}

// Reads a small owner-only file; a secret readable by group or others is refused, as ssh does.
core::result<std::string> read_private_file(const fs::path& path) {
    std::error_code ec;
    auto st = fs::status(path, ec);
    if (ec) {
        return io_error("cannot stat", path, ec);
    }
    using fs::perms;
    if ((st.permissions() & (perms::group_all | perms::others_all)) != perms::none) {
        return core::error{
            errc::internal, path.string() + " is accessible by group or others; chmod 600 it"};
    }
    auto size = fs::file_size(path, ec);
    if (ec) {
        return io_error("cannot stat", path, ec);
    }
    if (size > max_key_file_bytes) {
        return core::error{errc::internal, path.string() + " is too large for a key file"};
    }
    std::ifstream in{path, std::ios::binary};
    std::string content{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    if (in.bad()) {
        return core::error{errc::internal, "cannot read " + path.string()};
    }
    return content;
}

std::string trim(std::string_view s) {
    constexpr std::string_view space = " \t\r\n";
    auto first = s.find_first_not_of(space);
    if (first == std::string_view::npos) {
        return {};
    }
    auto last = s.find_last_not_of(space);
    return std::string{s.substr(first, last - first + 1)};
}

bool is_kid(std::string_view kid) noexcept {
    return !kid.empty() && kid.size() <= 64 &&
           std::all_of(kid.begin(), kid.end(), [](char c) { return b64url_value(c) >= 0; });
}

fs::path key_path(const fs::path& dir, std::string_view kid) {
    return dir / (std::string{key_file_prefix} + std::string{kid} + std::string{key_file_suffix});
}

std::int64_t to_numeric_date(core::time_point t) {
    return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

core::result<core::time_point> numeric_date(
    const boost::json::object& claims, std::string_view name
) {
    const auto* v = claims.if_contains(name);
    if (v == nullptr) {
        return unauthenticated("token has no " + std::string{name});
    }
    std::int64_t secs = 0;
    if (const auto* i = v->if_int64()) {
        secs = *i;
    } else if (const auto* u = v->if_uint64(); u != nullptr && *u <= INT64_MAX) {
        secs = static_cast<std::int64_t>(*u);
    } else {
        return unauthenticated("token " + std::string{name} + " is not an integer NumericDate");
    }
    if (secs < 0 || secs > max_numeric_date) {
        return unauthenticated("token " + std::string{name} + " is out of range");
    }
    return core::time_point{std::chrono::seconds{secs}};
}

core::result<std::string> string_claim(
    const boost::json::object& claims, std::string_view name, bool required
) {
    const auto* v = claims.if_contains(name);
    if (v == nullptr) {
        if (required) {
            return unauthenticated("token has no " + std::string{name});
        }
        return std::string{};
    }
    const auto* s = v->if_string();
    if (s == nullptr) {
        return unauthenticated("token " + std::string{name} + " is not a string");
    }
    return std::string{*s};
}

core::result<boost::json::object> parse_object(std::string_view text, std::string_view what) {
    boost::json::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec) {
        return unauthenticated("token " + std::string{what} + " is not JSON");
    }
    auto* object = value.if_object();
    if (object == nullptr) {
        return unauthenticated("token " + std::string{what} + " is not a JSON object");
    }
    return std::move(*object);
}

// The header must be exactly what sign() writes: alg EdDSA, a kid, optionally typ JWT. Anything
// else (crit, jwk, jku, x5u, x5c ...) is refused rather than ignored.
core::result<std::string> check_header(const boost::json::object& header) {
    for (const auto& member : header) {
        if (member.key() != "alg" && member.key() != "typ" && member.key() != "kid") {
            return unauthenticated("token header has unexpected " + std::string{member.key()});
        }
    }
    const auto* alg = header.if_contains("alg");
    if (alg == nullptr || !alg->is_string()) {
        return unauthenticated("token header has no alg");
    }
    if (alg->get_string() != "EdDSA") {
        return unauthenticated("token alg " + std::string{alg->get_string()} + " is not EdDSA");
    }
    if (const auto* typ = header.if_contains("typ"); typ != nullptr) {
        if (!typ->is_string() || typ->get_string() != "JWT") {
            return unauthenticated("token typ is not JWT");
        }
    }
    const auto* kid = header.if_contains("kid");
    if (kid == nullptr || !kid->is_string() || kid->get_string().empty()) {
        return unauthenticated("token header has no kid");
    }
    return std::string{kid->get_string()};
}

core::result<void> check_audience(const boost::json::object& claims, std::string_view audience) {
    const auto* aud = claims.if_contains("aud");
    if (aud == nullptr) {
        return unauthenticated("token has no aud");
    }
    if (const auto* s = aud->if_string()) {
        if (*s == audience) {
            return core::ok();
        }
        return unauthenticated("token aud does not match");
    }
    const auto* list = aud->if_array();
    if (list == nullptr) {
        return unauthenticated("token aud is neither a string nor an array");
    }
    bool found = false;
    for (const auto& item : *list) {
        const auto* s = item.if_string();
        if (s == nullptr) {
            return unauthenticated("token aud holds a non-string");
        }
        found = found || *s == audience;
    }
    if (!found) {
        return unauthenticated("token aud does not match");
    }
    return core::ok();
}

core::result<std::vector<std::string>> roles_claim(const boost::json::object& claims) {
    std::vector<std::string> roles;
    const auto* v = claims.if_contains("roles");
    if (v == nullptr) {
        return roles;
    }
    const auto* list = v->if_array();
    if (list == nullptr) {
        return unauthenticated("token roles is not an array");
    }
    roles.reserve(list->size());
    for (const auto& item : *list) {
        const auto* s = item.if_string();
        if (s == nullptr) {
            return unauthenticated("token roles holds a non-string");
        }
        roles.emplace_back(*s);
    }
    return roles;
}

std::string random_token_id() {
    std::array<unsigned char, 16> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
        throw std::runtime_error(openssl_error("RAND_bytes failed").detail);
    }
    return base64url_encode(std::string_view{reinterpret_cast<const char*>(raw.data()), raw.size()}
    );
}

}  // namespace

std::string base64url_encode(std::string_view data) {
    std::string out;
    out.reserve((data.size() * 4 + 2) / 3);
    std::uint32_t acc = 0;
    unsigned bits = 0;
    for (unsigned char c : data) {
        acc = (acc << 8U) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(b64url_alphabet[(acc >> bits) & 0x3FU]);
        }
    }
    if (bits > 0) {
        out.push_back(b64url_alphabet[(acc << (6 - bits)) & 0x3FU]);
    }
    return out;
}

core::result<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) {
        return core::fail(errc::bad_request, "base64url has an impossible length");
    }
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    unsigned bits = 0;
    for (char c : text) {
        int v = b64url_value(c);
        if (v < 0) {
            return core::fail(errc::bad_request, "base64url has a character outside its alphabet");
        }
        acc = ((acc << 6U) | static_cast<std::uint32_t>(v)) & 0xFFFFU;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFFU));
        }
    }
    // Leftover bits must be zero, or two encodings would decode to the same bytes.
    if ((acc & ((1U << bits) - 1U)) != 0) {
        return core::fail(errc::bad_request, "base64url has non-zero trailing bits");
    }
    return out;
}

struct key_ring::key {
    std::string kid;
    pkey_ptr private_key;
    // Public-only copy: verification never touches private material.
    pkey_ptr public_key;
    std::string public_raw;
    core::time_point created_at;
};

struct key_ring::loaded {
    std::vector<key> keys;  // oldest first
    std::string active_kid;
};

namespace {

core::result<key_ring::key> make_key(pkey_ptr private_key, core::time_point created_at) {
    auto raw = raw_public_key(private_key.get());
    if (!raw) {
        return std::move(raw).error();
    }
    pkey_ptr public_key{
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(*raw), raw->size())};
    if (!public_key) {
        return openssl_error("cannot build the Ed25519 public key");
    }
    auto digest = sha256(*raw);
    if (!digest) {
        return std::move(digest).error();
    }
    key_ring::key k;
    k.kid = base64url_encode(std::string_view{*digest}.substr(0, kid_digest_bytes));
    k.private_key = std::move(private_key);
    k.public_key = std::move(public_key);
    k.public_raw = std::move(*raw);
    k.created_at = created_at;
    return k;
}

core::result<key_ring::key> generate_key(core::time_point created_at) {
    pkey_ptr pkey{EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")};
    if (!pkey) {
        return openssl_error("cannot generate an Ed25519 key");
    }
    return make_key(std::move(pkey), created_at);
}

core::result<key_ring::key> load_key_file(const fs::path& path, std::string_view kid) {
    auto pem = read_private_file(path);
    if (!pem) {
        return std::move(pem).error();
    }
    auto pkey = private_key_from_pem(*pem);
    if (!pkey) {
        return core::error{errc::internal, path.string() + ": " + pkey.error().detail};
    }
    std::error_code ec;
    auto mtime = fs::last_write_time(path, ec);
    if (ec) {
        return io_error("cannot stat", path, ec);
    }
    auto k = make_key(std::move(*pkey), to_time_point(mtime));
    if (k && k->kid != kid) {
        return core::error{errc::internal, path.string() + " holds the key of kid " + k->kid};
    }
    return k;
}

// Reads every key and the active kid; writes nothing. An empty `active_kid` means the file is
// absent.
core::result<key_ring::loaded> load_dir(const fs::path& dir) {
    key_ring::loaded out;
    std::error_code ec;
    for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (!name.starts_with(key_file_prefix) || !name.ends_with(key_file_suffix) ||
            !it->is_regular_file()) {
            continue;
        }
        std::string kid = name.substr(
            key_file_prefix.size(), name.size() - key_file_prefix.size() - key_file_suffix.size()
        );
        if (!is_kid(kid)) {
            return core::error{errc::internal, it->path().string() + " is not named jwt-<kid>.pem"};
        }
        auto k = load_key_file(it->path(), kid);
        if (!k) {
            return std::move(k).error();
        }
        out.keys.push_back(std::move(*k));
    }
    if (ec) {
        return io_error("cannot list", dir, ec);
    }
    std::sort(out.keys.begin(), out.keys.end(), [](const key_ring::key& a, const key_ring::key& b) {
        return std::tie(a.created_at, a.kid) < std::tie(b.created_at, b.kid);
    });

    auto active_path = dir / active_file_name;
    if (!fs::exists(active_path, ec)) {
        if (ec) {
            return io_error("cannot stat", active_path, ec);
        }
        return out;
    }
    auto active = read_private_file(active_path);
    if (!active) {
        return std::move(active).error();
    }
    out.active_kid = trim(*active);
    bool known = std::any_of(out.keys.begin(), out.keys.end(), [&](const key_ring::key& k) {
        return k.kid == out.active_kid;
    });
    if (!known) {
        return core::error{
            errc::internal,
            active_path.string() + " names kid '" + out.active_kid + "' with no key file"};
    }
    return out;
}

core::result<void> write_active(const fs::path& dir, std::string_view kid) {
    return write_file_atomic(dir / active_file_name, std::string{kid} + "\n", std::nullopt);
}

}  // namespace

key_ring::key_ring(
    private_tag /*unused*/,
    std::filesystem::path dir,
    const core::clock& clock,
    std::size_t max_keys
)
    : dir_(std::move(dir)), clock_(clock), max_keys_(max_keys) {}

key_ring::~key_ring() = default;

core::result<std::unique_ptr<key_ring>> key_ring::open(
    std::filesystem::path dir, const core::clock& clock, std::size_t max_keys
) {
    if (max_keys < min_keys) {
        return core::error{
            errc::invalid, "a JWT key ring keeps at least 2 keys, or rotation logs everyone out"};
    }
    if (dir.empty()) {
        return core::error{errc::invalid, "JWT key directory is not set"};
    }
    std::error_code ec;
    if (fs::create_directories(dir, ec); ec) {
        return io_error("cannot create", dir, ec);
    }
    if (!fs::is_directory(dir, ec)) {
        return core::error{errc::internal, dir.string() + " is not a directory"};
    }
    fs::permissions(dir, fs::perms::owner_all, ec);
    if (ec) {
        return io_error("cannot chmod", dir, ec);
    }

    auto state = load_dir(dir);
    if (!state) {
        return std::move(state).error();
    }
    auto ring = std::make_unique<key_ring>(private_tag{}, std::move(dir), clock, max_keys);
    ring->keys_ = std::move(state->keys);
    ring->active_kid_ = std::move(state->active_kid);

    std::unique_lock lock{ring->mutex_};
    if (ring->keys_.empty()) {
        auto kid = ring->add_key_locked();
        if (!kid) {
            return std::move(kid).error();
        }
        core::log::info("jwt signing key created").field("kid", *kid);
    } else if (ring->active_kid_.empty()) {
        // A crash between writing the first key and naming it: the newest key becomes active.
        ring->active_kid_ = ring->keys_.back().kid;
        if (auto written = write_active(ring->dir_, ring->active_kid_); !written) {
            return std::move(written).error();
        }
    }
    lock.unlock();
    return ring;
}

core::result<std::string> key_ring::add_key_locked() {
    auto k = generate_key(clock_.now());
    if (!k) {
        return std::move(k).error();
    }
    auto pem = pem_of(k->private_key.get());
    if (!pem) {
        return std::move(pem).error();
    }
    // Key first, then the pointer to it: a crash in between leaves an unused key, never a dangling
    // name.
    if (auto written = write_file_atomic(key_path(dir_, k->kid), *pem, k->created_at); !written) {
        return std::move(written).error();
    }
    if (auto written = write_active(dir_, k->kid); !written) {
        return std::move(written).error();
    }
    active_kid_ = k->kid;
    keys_.push_back(std::move(*k));
    return active_kid_;
}

core::result<std::string> key_ring::rotate() {
    std::unique_lock lock{mutex_};
    std::string previous = active_kid_;
    auto kid = add_key_locked();
    if (!kid) {
        return kid;
    }
    core::log::info("jwt signing key rotated").field("kid", *kid).field("previous_kid", previous);
    if (auto trimmed = enforce_max_keys_locked(); !trimmed) {
        return std::move(trimmed).error();
    }
    return kid;
}

core::result<void> key_ring::remove_key_locked(std::size_t index) {
    auto path = key_path(dir_, keys_[index].kid);
    std::error_code ec;
    fs::remove(path, ec);
    if (ec) {
        return io_error("cannot remove", path, ec);
    }
    core::log::info("jwt key retired").field("kid", keys_[index].kid);
    keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(index));
    return core::ok();
}

core::result<void> key_ring::enforce_max_keys_locked() {
    while (keys_.size() > max_keys_) {
        auto oldest = std::find_if(keys_.begin(), keys_.end(), [&](const key& k) {
            return k.kid != active_kid_;
        });
        auto removed = remove_key_locked(static_cast<std::size_t>(oldest - keys_.begin()));
        if (!removed) {
            return removed;
        }
    }
    return fsync_dir(dir_);
}

core::result<void> key_ring::retire_older_than(core::time_point cutoff) {
    std::unique_lock lock{mutex_};
    // A key stops signing when its successor is created; the newest inactive key never signed.
    std::vector<std::string> doomed;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        if (keys_[i].kid == active_kid_) {
            continue;
        }
        auto stopped = i + 1 < keys_.size() ? keys_[i + 1].created_at : keys_[i].created_at;
        if (stopped < cutoff) {
            doomed.push_back(keys_[i].kid);
        }
    }
    for (const auto& kid : doomed) {
        auto it =
            std::find_if(keys_.begin(), keys_.end(), [&](const key& k) { return k.kid == kid; });
        auto removed = remove_key_locked(static_cast<std::size_t>(it - keys_.begin()));
        if (!removed) {
            return removed;
        }
    }
    return doomed.empty() ? core::ok() : fsync_dir(dir_);
}

core::result<void> key_ring::reload() {
    auto state = load_dir(dir_);
    if (!state) {
        return std::move(state).error();
    }
    if (state->active_kid.empty()) {
        return core::error{errc::internal, (dir_ / active_file_name).string() + " is missing"};
    }
    std::unique_lock lock{mutex_};
    keys_ = std::move(state->keys);
    active_kid_ = std::move(state->active_kid);
    return core::ok();
}

core::result<std::optional<std::string>> key_ring::rotate_if_older_than(core::time_point cutoff) {
    auto lock_path = dir_ / ".rotate.lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return core::error{errc::internal, "cannot open " + lock_path.string()};
    }
    struct unlock {
        int fd;
        ~unlock() {
            ::flock(fd, LOCK_UN);
            ::close(fd);
        }
    };
    if (::flock(fd, LOCK_EX) != 0) {
        ::close(fd);
        return core::error{errc::internal, "cannot lock " + lock_path.string()};
    }
    unlock guard{fd};
    if (auto loaded = reload(); !loaded) {
        return std::move(loaded).error();
    }
    if (active_created_at() >= cutoff) {
        return std::optional<std::string>{};
    }
    auto kid = rotate();
    if (!kid) {
        return std::move(kid).error();
    }
    return std::optional<std::string>{std::move(*kid)};
}

core::time_point key_ring::active_created_at() const {
    std::shared_lock lock{mutex_};
    for (const auto& k : keys_) {
        if (k.kid == active_kid_) {
            return k.created_at;
        }
    }
    return {};
}

std::string key_ring::active_kid() const {
    std::shared_lock lock{mutex_};
    return active_kid_;
}

std::vector<std::string> key_ring::kids() const {
    std::shared_lock lock{mutex_};
    std::vector<std::string> out;
    out.reserve(keys_.size());
    for (const auto& k : keys_) {
        out.push_back(k.kid);
    }
    return out;
}

bool key_ring::contains(std::string_view kid) const {
    std::shared_lock lock{mutex_};
    return std::any_of(keys_.begin(), keys_.end(), [&](const key& k) { return k.kid == kid; });
}

core::result<key_signature> key_ring::sign(std::string_view data) const {
    std::shared_lock lock{mutex_};
    auto active = std::find_if(keys_.begin(), keys_.end(), [&](const key& k) {
        return k.kid == active_kid_;
    });
    if (active == keys_.end()) {
        return core::error{errc::internal, "JWT key ring has no active key"};
    }
    md_ctx_ptr ctx{EVP_MD_CTX_new()};
    if (!ctx) {
        return openssl_error("cannot allocate a digest context");
    }
    // Ed25519 is a one-shot scheme: no separate digest (md is NULL).
    if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, active->private_key.get()) != 1) {
        return openssl_error("EVP_DigestSignInit failed");
    }
    std::array<unsigned char, ed25519_signature_bytes> sig{};
    std::size_t size = sig.size();
    if (EVP_DigestSign(ctx.get(), sig.data(), &size, bytes(data), data.size()) != 1 ||
        size != sig.size()) {
        return openssl_error("EVP_DigestSign failed");
    }
    return key_signature{active->kid, std::string(reinterpret_cast<const char*>(sig.data()), size)};
}

core::result<void> key_ring::verify(
    std::string_view kid, std::string_view data, std::string_view signature
) const {
    if (signature.size() != ed25519_signature_bytes) {
        return unauthenticated("token signature is not 64 bytes");
    }
    std::shared_lock lock{mutex_};
    auto k = std::find_if(keys_.begin(), keys_.end(), [&](const key& k) { return k.kid == kid; });
    if (k == keys_.end()) {
        return unauthenticated("token kid is unknown");
    }
    md_ctx_ptr ctx{EVP_MD_CTX_new()};
    if (!ctx) {
        return openssl_error("cannot allocate a digest context");
    }
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, k->public_key.get()) != 1) {
        return openssl_error("EVP_DigestVerifyInit failed");
    }
    int ok =
        EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(data), data.size());
    if (ok != 1) {
        ERR_clear_error();
        return unauthenticated("token signature does not verify");
    }
    return core::ok();
}

boost::json::object key_ring::jwks() const {
    std::shared_lock lock{mutex_};
    boost::json::array keys;
    for (const auto& k : keys_) {
        keys.push_back(boost::json::object{
            {"kty", "OKP"},
            {"crv", "Ed25519"},
            {"x", base64url_encode(k.public_raw)},
            {"kid", k.kid},
            {"alg", "EdDSA"},
            {"use", "sig"},
        });
    }
    return boost::json::object{{"keys", std::move(keys)}};
}

namespace {

core::result<token_claims> check_claims(
    const boost::json::object& payload, const jwt_settings& settings, core::time_point now
) {
    token_claims claims;
    auto iss = string_claim(payload, "iss", true);
    if (!iss) {
        return std::move(iss).error();
    }
    if (*iss != settings.issuer) {
        return unauthenticated("token iss does not match");
    }
    claims.iss = std::move(*iss);
    if (auto aud = check_audience(payload, settings.audience); !aud) {
        return std::move(aud).error();
    }
    claims.aud = settings.audience;

    auto exp = numeric_date(payload, "exp");
    if (!exp) {
        return std::move(exp).error();
    }
    auto iat = numeric_date(payload, "iat");
    if (!iat) {
        return std::move(iat).error();
    }
    auto nbf = payload.contains("nbf") ? numeric_date(payload, "nbf") : iat;
    if (!nbf) {
        return std::move(nbf).error();
    }
    if (now >= *exp + settings.leeway) {
        return unauthenticated("token expired");
    }
    if (*nbf > now + settings.leeway) {
        return unauthenticated("token not yet valid (nbf)");
    }
    if (*iat > now + settings.leeway) {
        return unauthenticated("token issued in the future (iat)");
    }
    claims.exp = *exp;
    claims.iat = *iat;
    claims.nbf = *nbf;

    auto sub = string_claim(payload, "sub", true);
    if (!sub) {
        return std::move(sub).error();
    }
    if (sub->empty()) {
        return unauthenticated("token sub is empty");
    }
    claims.sub = std::move(*sub);
    auto roles = roles_claim(payload);
    if (!roles) {
        return std::move(roles).error();
    }
    claims.roles = std::move(*roles);
    auto sid = string_claim(payload, "sid", false);
    if (!sid) {
        return std::move(sid).error();
    }
    claims.sid = std::move(*sid);
    auto jti = string_claim(payload, "jti", false);
    if (!jti) {
        return std::move(jti).error();
    }
    claims.jti = std::move(*jti);
    return claims;
}

}  // namespace

jwt_codec::jwt_codec(const key_ring& ring, const core::clock& clock, jwt_settings settings)
    : ring_(ring), clock_(clock), settings_(std::move(settings)) {}

token_claims jwt_codec::issue(std::string sub, std::vector<std::string> roles, std::string sid)
    const {
    auto now = clock_.now();
    token_claims claims;
    claims.sub = std::move(sub);
    claims.roles = std::move(roles);
    claims.sid = std::move(sid);
    claims.iss = settings_.issuer;
    claims.aud = settings_.audience;
    claims.iat = now;
    claims.nbf = now;
    claims.exp = now + settings_.access_token_lifetime;
    claims.jti = random_token_id();
    return claims;
}

std::string jwt_codec::sign(const token_claims& claims) const {
    boost::json::array roles;
    for (const auto& role : claims.roles) {
        roles.emplace_back(role);
    }
    boost::json::object payload{
        {"iss", claims.iss},
        {"sub", claims.sub},
        {"aud", claims.aud},
        {"iat", to_numeric_date(claims.iat)},
        {"nbf", to_numeric_date(claims.nbf)},
        {"exp", to_numeric_date(claims.exp)},
        {"roles", std::move(roles)},
    };
    if (!claims.sid.empty()) {
        payload["sid"] = claims.sid;
    }
    if (!claims.jti.empty()) {
        payload["jti"] = claims.jti;
    }
    std::string payload_b64 = base64url_encode(boost::json::serialize(payload));
    // The kid is part of the signed header, so it is read before signing; should a rotation slip in
    // between, the ring signs with the new key and the header is rebuilt to name it.
    for (;;) {
        std::string kid = ring_.active_kid();
        boost::json::object header{{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", kid}};
        std::string input = base64url_encode(boost::json::serialize(header)) + "." + payload_b64;
        auto signature = ring_.sign(input);
        if (!signature) {
            throw std::runtime_error(signature.error().detail);
        }
        if (signature->kid == kid) {
            return input + "." + base64url_encode(signature->signature);
        }
    }
}

core::result<token_claims> jwt_codec::verify(std::string_view token) const {
    if (token.size() > settings_.max_token_bytes) {
        return unauthenticated(
            "token is larger than " + std::to_string(settings_.max_token_bytes) + " bytes"
        );
    }
    auto first_dot = token.find('.');
    auto second_dot =
        first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos ||
        token.find('.', second_dot + 1) != std::string_view::npos) {
        return unauthenticated("token does not have three segments");
    }
    auto header_b64 = token.substr(0, first_dot);
    auto payload_b64 = token.substr(first_dot + 1, second_dot - first_dot - 1);
    auto signature_b64 = token.substr(second_dot + 1);
    auto signing_input = token.substr(0, second_dot);

    auto header_json = base64url_decode(header_b64);
    if (!header_json) {
        return unauthenticated("token header: " + header_json.error().detail);
    }
    auto header = parse_object(*header_json, "header");
    if (!header) {
        return std::move(header).error();
    }
    auto kid = check_header(*header);
    if (!kid) {
        return std::move(kid).error();
    }
    auto signature = base64url_decode(signature_b64);
    if (!signature) {
        return unauthenticated("token signature: " + signature.error().detail);
    }
    // The payload is not even decoded until the signature holds.
    if (auto verified = ring_.verify(*kid, signing_input, *signature); !verified) {
        return std::move(verified).error();
    }

    auto payload_json = base64url_decode(payload_b64);
    if (!payload_json) {
        return unauthenticated("token payload: " + payload_json.error().detail);
    }
    auto payload = parse_object(*payload_json, "payload");
    if (!payload) {
        return std::move(payload).error();
    }
    return check_claims(*payload, settings_, clock_.now());
}

core::result<core::principal> jwt_verifier::verify(std::string_view token) const {
    auto claims = codec_.verify(token);
    if (!claims) {
        return std::move(claims).error();
    }
    return core::principal{
        .user_id = std::move(claims->sub),
        .roles = std::move(claims->roles),
        .session_id = std::move(claims->sid),
    };
}

}  // namespace infra::crypto
