#include "infra/crypto/jws.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>
#include <boost/json.hpp>

#include "infra/crypto/jwt.hpp"

namespace infra::crypto {
namespace {

using core::errc;

constexpr int min_rsa_bits = 2048;
constexpr std::size_t p256_coordinate_bytes = 32;

struct pkey_deleter {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct pkey_ctx_deleter {
    void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct md_ctx_deleter {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct bn_deleter {
    void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
struct param_bld_deleter {
    void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct params_deleter {
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct ecdsa_sig_deleter {
    void operator()(ECDSA_SIG* p) const noexcept { ECDSA_SIG_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_deleter>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_deleter>;
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;
using param_bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, param_bld_deleter>;
using params_ptr = std::unique_ptr<OSSL_PARAM, params_deleter>;
using ecdsa_sig_ptr = std::unique_ptr<ECDSA_SIG, ecdsa_sig_deleter>;

const unsigned char* bytes(std::string_view s) noexcept {
    return reinterpret_cast<const unsigned char*>(s.data());
}

bn_ptr to_bn(std::string_view big_endian) {
    return bn_ptr{BN_bin2bn(bytes(big_endian), static_cast<int>(big_endian.size()), nullptr)};
}

// A public key of `type` ("RSA" or "EC") from OSSL parameters; null when OpenSSL refuses them.
pkey_ptr key_from(const char* type, OSSL_PARAM_BLD* bld) {
    params_ptr params{OSSL_PARAM_BLD_to_param(bld)};
    pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr)};
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return nullptr;
    }
    return pkey_ptr{raw};
}

pkey_ptr rsa_key(std::string_view n, std::string_view e) {
    auto bn_n = to_bn(n);
    auto bn_e = to_bn(e);
    param_bld_ptr bld{OSSL_PARAM_BLD_new()};
    if (!bn_n || !bn_e || !bld ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
        return nullptr;
    }
    auto key = key_from("RSA", bld.get());
    if (!key || EVP_PKEY_get_bits(key.get()) < min_rsa_bits) {
        return nullptr;
    }
    return key;
}

pkey_ptr p256_key(std::string_view x, std::string_view y) {
    if (x.size() != p256_coordinate_bytes || y.size() != p256_coordinate_bytes) {
        return nullptr;
    }
    std::string point{"\x04"};  // uncompressed SEC 1 point
    point.append(x).append(y);
    param_bld_ptr bld{OSSL_PARAM_BLD_new()};
    if (!bld ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
            1 ||
        OSSL_PARAM_BLD_push_octet_string(
            bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()
        ) != 1) {
        return nullptr;
    }
    auto key = key_from("EC", bld.get());
    if (!key) {
        return nullptr;
    }
    // A point off the curve would make ECDSA verification meaningless.
    pkey_ctx_ptr check{EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr)};
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        return nullptr;
    }
    return key;
}

// JWS ES256 signatures are R||S (32 bytes each); OpenSSL verifies DER ECDSA-Sig-Value.
std::string es256_der(std::string_view raw) {
    if (raw.size() != 2 * p256_coordinate_bytes) {
        return {};
    }
    ecdsa_sig_ptr sig{ECDSA_SIG_new()};
    auto r = to_bn(raw.substr(0, p256_coordinate_bytes));
    auto s = to_bn(raw.substr(p256_coordinate_bytes));
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
        return {};
    }
    (void)r.release();  // owned by sig now
    (void)s.release();
    int size = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (size <= 0) {
        return {};
    }
    std::string der(static_cast<std::size_t>(size), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &out) != size) {
        return {};
    }
    return der;
}

std::string string_member(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string{v->get_string()} : std::string{};
}

std::string decoded_member(const boost::json::object& o, std::string_view key) {
    auto decoded = base64url_decode(string_member(o, key));
    return decoded ? std::move(*decoded) : std::string{};
}

bool usable_for_signatures(const boost::json::object& jwk) {
    if (const auto* use = jwk.if_contains("use");
        use != nullptr && (!use->is_string() || use->get_string() != "sig")) {
        return false;
    }
    if (const auto* ops = jwk.if_contains("key_ops"); ops != nullptr) {
        if (!ops->is_array()) {
            return false;
        }
        const auto& list = ops->get_array();
        return std::any_of(list.begin(), list.end(), [](const boost::json::value& op) {
            return op.is_string() && op.get_string() == "verify";
        });
    }
    return true;
}

}  // namespace

struct public_jwk::impl {
    std::string kid;
    jws_alg alg = jws_alg::rs256;
    pkey_ptr key;
};

std::optional<jws_alg> parse_jws_alg(std::string_view name) noexcept {
    if (name == "RS256") {
        return jws_alg::rs256;
    }
    if (name == "ES256") {
        return jws_alg::es256;
    }
    return std::nullopt;
}

std::string_view to_string(jws_alg alg) noexcept {
    return alg == jws_alg::es256 ? "ES256" : "RS256";
}

const std::string& public_jwk::kid() const noexcept { return impl_->kid; }

jws_alg public_jwk::alg() const noexcept { return impl_->alg; }

bool public_jwk::verify(std::string_view signing_input, std::string_view signature) const {
    std::string der;
    if (impl_->alg == jws_alg::es256) {
        der = es256_der(signature);
        if (der.empty()) {
            return false;
        }
        signature = der;
    }
    md_ctx_ptr ctx{EVP_MD_CTX_new()};
    bool ok =
        ctx &&
        EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key.get()) == 1 &&
        EVP_DigestVerify(
            ctx.get(), bytes(signature), signature.size(), bytes(signing_input),
            signing_input.size()
        ) == 1;
    // A refused signature leaves entries in the thread's error queue; they are not errors here.
    ERR_clear_error();
    return ok;
}

core::result<jwk_set> jwk_set::parse(std::string_view json) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(json, ec);
    if (ec || !doc.is_object()) {
        return core::fail(errc::bad_request, "the JWK Set is not a JSON object");
    }
    const auto* keys = doc.get_object().if_contains("keys");
    if (keys == nullptr || !keys->is_array()) {
        return core::fail(errc::bad_request, "the JWK Set has no keys array");
    }
    jwk_set out;
    for (const auto& k : keys->get_array()) {
        if (!k.is_object() || !usable_for_signatures(k.get_object())) {
            continue;
        }
        const auto& jwk = k.get_object();
        auto kty = string_member(jwk, "kty");
        auto stated = string_member(jwk, "alg");
        auto item = std::make_shared<public_jwk::impl>();
        item->kid = string_member(jwk, "kid");
        if (kty == "RSA") {
            item->alg = jws_alg::rs256;
            item->key = rsa_key(decoded_member(jwk, "n"), decoded_member(jwk, "e"));
        } else if (kty == "EC" && string_member(jwk, "crv") == "P-256") {
            item->alg = jws_alg::es256;
            item->key = p256_key(decoded_member(jwk, "x"), decoded_member(jwk, "y"));
        }
        // A key bound to another algorithm (RS384, PS256, ...) is not used for ours.
        if (!item->key || (!stated.empty() && parse_jws_alg(stated) != item->alg)) {
            ERR_clear_error();
            continue;
        }
        out.keys_.emplace_back(std::move(item));
    }
    return out;
}

const public_jwk* jwk_set::find(std::string_view kid, jws_alg alg) const {
    const public_jwk* only = nullptr;
    int candidates = 0;
    for (const auto& k : keys_) {
        if (k.alg() != alg) {
            continue;
        }
        if (!kid.empty() && k.kid() == kid) {
            return &k;
        }
        only = &k;
        ++candidates;
    }
    return kid.empty() && candidates == 1 ? only : nullptr;
}

bool jwk_set::contains(std::string_view kid) const {
    return std::any_of(keys_.begin(), keys_.end(), [kid](const public_jwk& k) {
        return k.kid() == kid;
    });
}

std::string sha256_base64url(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &size, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    return base64url_encode(std::string_view{reinterpret_cast<const char*>(md.data()), size});
}

}  // namespace infra::crypto
