// ID tokens from OpenID providers, verified with RSA and EC keys made here: every claim check, the
// algorithm allow-list (never none, never HMAC) and key selection from a JWK Set.
#include "modules/identity/id_token.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/json.hpp>
#include <memory>
#include <string>

#include "infra/crypto/jws.hpp"
#include "infra/crypto/jwt.hpp"

namespace {

using namespace std::chrono_literals;
using infra::crypto::base64url_encode;
using infra::crypto::jwk_set;

const core::time_point now{std::chrono::seconds{1'795'000'000}};
const std::string issuer = "https://op.example";
const std::string client_id = "trader-web";

struct pkey_deleter {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

std::string bytes_of(const unsigned char* p, std::size_t n) {
    return std::string{reinterpret_cast<const char*>(p), n};
}

std::string bn_param(EVP_PKEY* key, const char* name, int pad = 0) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) {
        throw std::runtime_error(std::string{"no parameter "} + name);
    }
    std::string out(pad > 0 ? static_cast<std::size_t>(pad) : BN_num_bytes(bn), '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    pad > 0 ? BN_bn2binpad(bn, p, pad) : BN_bn2bin(bn, p);
    BN_free(bn);
    return out;
}

// A key pair of ours playing the provider, with its public JWK.
struct test_key {
    pkey_ptr key;
    std::string alg;
    std::string kid;

    static test_key rsa(std::string kid, unsigned bits = 2048) {
        return {pkey_ptr{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{bits})}, "RS256", kid};
    }
    static test_key ec(std::string kid) {
        return {pkey_ptr{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")}, "ES256", kid};
    }

    boost::json::object jwk() const {
        boost::json::object o{{"kid", kid}, {"use", "sig"}};
        if (alg == "RS256") {
            o["kty"] = "RSA";
            o["n"] = base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N));
            o["e"] = base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E));
        } else {
            o["kty"] = "EC";
            o["crv"] = "P-256";
            o["x"] = base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32));
            o["y"] = base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32));
        }
        return o;
    }

    // JWS signature of `input`: PKCS#1 v1.5 for RSA, R||S for EC.
    std::string sign(const std::string& input) const {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{
            EVP_MD_CTX_new(), &EVP_MD_CTX_free};
        std::size_t size = 0;
        EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get());
        EVP_DigestSign(
            ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
            input.size()
        );
        std::string sig(size, '\0');
        EVP_DigestSign(
            ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size,
            reinterpret_cast<const unsigned char*>(input.data()), input.size()
        );
        sig.resize(size);
        if (alg == "RS256") {
            return sig;
        }
        const auto* der = reinterpret_cast<const unsigned char*>(sig.data());
        ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(sig.size()));
        std::array<unsigned char, 64> raw{};
        BN_bn2binpad(ECDSA_SIG_get0_r(parsed), raw.data(), 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(parsed), raw.data() + 32, 32);
        ECDSA_SIG_free(parsed);
        return bytes_of(raw.data(), raw.size());
    }
};

std::string encode(const boost::json::object& o) {
    return base64url_encode(boost::json::serialize(o));
}

boost::json::object good_claims() {
    auto t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    return {
        {"iss", issuer},
        {"sub", "100000000000000000001"},
        {"aud", client_id},
        {"iat", t - 10},
        {"exp", t + 3600},
        {"nonce", "n-0S6_WzA2Mj"},
        {"email", "Alice@Example.test"},
        {"email_verified", true},
        {"name", "Alice Buyer"},
        {"locale", "en"},
    };
}

std::string token(
    const test_key& k, const boost::json::object& claims, boost::json::object header = {}
) {
    if (header.empty()) {
        header = {{"alg", k.alg}, {"typ", "JWT"}, {"kid", k.kid}};
    }
    auto input = encode(header) + "." + encode(claims);
    return input + "." + base64url_encode(k.sign(input));
}

jwk_set keys_of(std::initializer_list<const test_key*> keys) {
    boost::json::array list;
    for (const auto* k : keys) {
        list.push_back(k->jwk());
    }
    auto set = jwk_set::parse(boost::json::serialize(boost::json::object{{"keys", list}}));
    if (!set) {
        throw std::runtime_error(set.error().detail);
    }
    return *set;
}

identity::id_token_rules rules(std::optional<std::string> nonce = "n-0S6_WzA2Mj") {
    return identity::id_token_rules{
        .issuers = {issuer}, .client_id = client_id, .nonce = std::move(nonce)};
}

void expect_refused(const core::result<identity::id_token_claims>& r, const std::string& because) {
    ASSERT_FALSE(r) << "accepted; expected a refusal because " << because;
    EXPECT_EQ(r.error().code, core::errc::unauthenticated);
    EXPECT_NE(r.error().detail.find(because), std::string::npos) << r.error().detail;
}

class id_token : public testing::Test {
protected:
    test_key rsa_ = test_key::rsa("rsa-1");
    test_key ec_ = test_key::ec("ec-1");
    jwk_set keys_ = keys_of({&rsa_, &ec_});
};

TEST_F(id_token, accepts_an_rs256_token_and_reads_its_claims) {
    auto c = identity::verify_id_token(token(rsa_, good_claims()), keys_, rules(), now);
    ASSERT_TRUE(c) << c.error().detail;
    EXPECT_EQ(c->issuer, issuer);
    EXPECT_EQ(c->subject, "100000000000000000001");
    EXPECT_EQ(c->email, "Alice@Example.test");
    EXPECT_TRUE(c->email_verified);
    EXPECT_EQ(c->name, "Alice Buyer");
    EXPECT_EQ(c->locale, "en");
    EXPECT_EQ(c->expires_at, now + 3600s);
}

TEST_F(id_token, accepts_an_es256_token) {
    auto c = identity::verify_id_token(token(ec_, good_claims()), keys_, rules(), now);
    ASSERT_TRUE(c) << c.error().detail;
    EXPECT_EQ(c->subject, "100000000000000000001");
}

TEST_F(id_token, refuses_another_audience) {
    auto claims = good_claims();
    claims["aud"] = "someone-else";
    expect_refused(identity::verify_id_token(token(rsa_, claims), keys_, rules(), now), "aud");
    claims["aud"] = boost::json::array{"someone-else", "another"};
    expect_refused(identity::verify_id_token(token(rsa_, claims), keys_, rules(), now), "aud");
}

TEST_F(id_token, checks_azp_with_several_audiences) {
    auto claims = good_claims();
    claims["aud"] = boost::json::array{client_id, "another"};
    expect_refused(identity::verify_id_token(token(rsa_, claims), keys_, rules(), now), "azp");
    claims["azp"] = "another";
    expect_refused(identity::verify_id_token(token(rsa_, claims), keys_, rules(), now), "azp");
    claims["azp"] = client_id;
    EXPECT_TRUE(identity::verify_id_token(token(rsa_, claims), keys_, rules(), now));
}

TEST_F(id_token, refuses_another_issuer) {
    auto claims = good_claims();
    claims["iss"] = "https://evil.example";
    expect_refused(identity::verify_id_token(token(rsa_, claims), keys_, rules(), now), "iss");
}

TEST_F(id_token, refuses_an_expired_token_beyond_the_leeway) {
    auto claims = good_claims();
    auto t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    claims["exp"] = t - 30;  // within the 60 s leeway
    EXPECT_TRUE(identity::verify_id_token(token(rsa_, claims), keys_, rules(), now));
    claims["exp"] = t - 61;
    expect_refused(identity::verify_id_token(token(rsa_, claims), keys_, rules(), now), "expired");
    claims.erase("exp");
    expect_refused(identity::verify_id_token(token(rsa_, claims), keys_, rules(), now), "exp");
}

TEST_F(id_token, refuses_a_token_issued_in_the_future) {
    auto claims = good_claims();
    auto t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    claims["iat"] = t + 120;
    expect_refused(identity::verify_id_token(token(rsa_, claims), keys_, rules(), now), "iat");
}

TEST_F(id_token, checks_the_nonce_when_one_was_sent) {
    auto claims = good_claims();
    expect_refused(
        identity::verify_id_token(token(rsa_, claims), keys_, rules("other-nonce"), now), "nonce"
    );
    claims.erase("nonce");
    expect_refused(identity::verify_id_token(token(rsa_, claims), keys_, rules(), now), "nonce");
    EXPECT_TRUE(identity::verify_id_token(token(rsa_, claims), keys_, rules(std::nullopt), now));
}

TEST_F(id_token, refuses_a_key_id_not_in_the_set) {
    auto stranger = test_key::rsa("rsa-2");
    expect_refused(
        identity::verify_id_token(token(stranger, good_claims()), keys_, rules(), now), "rsa-2"
    );
    auto header = identity::read_id_token_header(token(stranger, good_claims()), 16384);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->kid, "rsa-2");
    EXPECT_FALSE(keys_.contains(header->kid)) << "the caller refreshes its keys on this";
}

TEST_F(id_token, refuses_a_signature_by_another_key_under_a_known_kid) {
    auto impostor = test_key::rsa("rsa-1");
    expect_refused(
        identity::verify_id_token(token(impostor, good_claims()), keys_, rules(), now), "signature"
    );
}

TEST_F(id_token, refuses_a_changed_payload) {
    auto t = token(rsa_, good_claims());
    auto claims = good_claims();
    claims["sub"] = "100000000000000000002";
    auto first = t.find('.');
    auto second = t.find('.', first + 1);
    auto forged = t.substr(0, first + 1) + encode(claims) + t.substr(second);
    expect_refused(identity::verify_id_token(forged, keys_, rules(), now), "signature");
}

TEST_F(id_token, refuses_alg_none) {
    auto unsigned_token =
        encode({{"alg", "none"}, {"kid", "rsa-1"}}) + "." + encode(good_claims()) + ".";
    expect_refused(identity::verify_id_token(unsigned_token, keys_, rules(), now), "alg 'none'");
}

TEST_F(id_token, refuses_hs256_even_keyed_with_the_public_key) {
    // The classic confusion: an HMAC keyed with the provider's public key material.
    auto header = encode({{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "rsa-1"}});
    auto input = header + "." + encode(good_claims());
    auto secret = bn_param(rsa_.key.get(), OSSL_PKEY_PARAM_RSA_N);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int size = 0;
    HMAC(
        EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
        reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), &size
    );
    auto forged = input + "." + base64url_encode(bytes_of(mac.data(), size));
    expect_refused(identity::verify_id_token(forged, keys_, rules(), now), "alg 'HS256'");
}

TEST_F(id_token, refuses_an_algorithm_that_does_not_fit_the_key) {
    // An RSA signature presented as ES256 under the RSA key's kid.
    boost::json::object header{{"alg", "ES256"}, {"kid", "rsa-1"}};
    expect_refused(
        identity::verify_id_token(token(rsa_, good_claims(), header), keys_, rules(), now),
        "no ES256 key"
    );
}

TEST_F(id_token, refuses_other_types_and_critical_extensions) {
    boost::json::object at{{"alg", "RS256"}, {"typ", "at+jwt"}, {"kid", "rsa-1"}};
    expect_refused(
        identity::verify_id_token(token(rsa_, good_claims(), at), keys_, rules(), now), "typ"
    );
    boost::json::object crit{
        {"alg", "RS256"}, {"kid", "rsa-1"}, {"crit", boost::json::array{"b64"}}};
    expect_refused(
        identity::verify_id_token(token(rsa_, good_claims(), crit), keys_, rules(), now), "crit"
    );
}

TEST_F(id_token, refuses_malformed_and_oversize_tokens) {
    expect_refused(identity::verify_id_token("a.b", keys_, rules(), now), "three segments");
    expect_refused(identity::verify_id_token("a.b.c.d", keys_, rules(), now), "three segments");
    expect_refused(identity::verify_id_token("!!.e30.", keys_, rules(), now), "base64url");
    auto big = token(rsa_, good_claims());
    auto small = rules();
    small.max_bytes = big.size() - 1;
    expect_refused(identity::verify_id_token(big, keys_, small, now), "larger");
}

TEST_F(id_token, reads_email_verified_only_for_a_true_value) {
    auto claims = good_claims();
    claims["email_verified"] = false;
    auto c = identity::verify_id_token(token(rsa_, claims), keys_, rules(), now);
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->email_verified);
    claims["email_verified"] = "true";
    c = identity::verify_id_token(token(rsa_, claims), keys_, rules(), now);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->email_verified);
    claims.erase("email");
    c = identity::verify_id_token(token(rsa_, claims), keys_, rules(), now);
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->email_verified) << "no address, nothing verified";
}

TEST(jwk_set, keeps_only_signing_keys_it_can_use) {
    auto good = test_key::rsa("good");
    auto weak = test_key::rsa("weak", 1024);
    auto ec = test_key::ec("ec");
    auto enc = good.jwk();
    enc["kid"] = "enc";
    enc["use"] = "enc";
    auto ps256 = good.jwk();
    ps256["kid"] = "ps";
    ps256["alg"] = "PS256";
    auto p384 = ec.jwk();
    p384["kid"] = "p384";
    p384["crv"] = "P-384";
    auto off_curve = ec.jwk();
    off_curve["kid"] = "off";
    off_curve["y"] = off_curve["x"];
    boost::json::object oct{{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}};
    boost::json::array list{good.jwk(), weak.jwk(), ec.jwk(), enc, ps256, p384, off_curve, oct};
    auto set = jwk_set::parse(boost::json::serialize(boost::json::object{{"keys", list}}));
    ASSERT_TRUE(set) << set.error().detail;
    EXPECT_EQ(set->size(), 2U);
    EXPECT_NE(set->find("good", infra::crypto::jws_alg::rs256), nullptr);
    EXPECT_NE(set->find("ec", infra::crypto::jws_alg::es256), nullptr);
    EXPECT_EQ(set->find("good", infra::crypto::jws_alg::es256), nullptr);
    for (const auto* kid : {"weak", "enc", "ps", "p384", "off", "hmac"}) {
        EXPECT_FALSE(set->contains(kid)) << kid;
    }
    // Without a kid, only an unambiguous key is chosen.
    EXPECT_NE(set->find("", infra::crypto::jws_alg::rs256), nullptr);
    EXPECT_FALSE(jwk_set::parse("[]"));
    EXPECT_FALSE(jwk_set::parse("{\"keys\":{}}"));
}

TEST(jwk_set, an_es256_signature_must_be_raw_r_and_s) {
    auto ec = test_key::ec("ec");
    auto set = keys_of({&ec});
    const auto* key = set.find("ec", infra::crypto::jws_alg::es256);
    ASSERT_NE(key, nullptr);
    auto sig = ec.sign("input");
    EXPECT_TRUE(key->verify("input", sig));
    EXPECT_FALSE(key->verify("input2", sig));
    EXPECT_FALSE(key->verify("input", sig.substr(1)));
    EXPECT_FALSE(key->verify("input", std::string(64, '\0')));
}

TEST(pkce, s256_challenge_matches_rfc_7636_appendix_b) {
    EXPECT_EQ(
        infra::crypto::sha256_base64url("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

}  // namespace
