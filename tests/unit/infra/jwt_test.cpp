#include "infra/crypto/jwt.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "support/env.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using infra::crypto::base64url_decode;
using infra::crypto::base64url_encode;
using infra::crypto::jwt_codec;
using infra::crypto::jwt_settings;
using ring_ptr = std::unique_ptr<infra::crypto::key_ring>;
using infra::crypto::token_claims;
using testing::HasSubstr;

const core::time_point start{std::chrono::seconds{1'767'225'600}};  // 2026-01-01T00:00:00Z

jwt_settings test_settings(const fs::path& dir) {
    jwt_settings s;
    s.issuer = "https://trader.test";
    s.audience = "trader-api";
    s.key_dir = dir;
    return s;
}

std::string json(const boost::json::object& o) { return boost::json::serialize(o); }

std::string str(const boost::json::value& v) { return std::string{v.as_string()}; }

std::vector<std::string> split(const std::string& token) {
    std::vector<std::string> parts;
    std::size_t from = 0;
    for (;;) {
        auto dot = token.find('.', from);
        parts.push_back(token.substr(from, dot - from));
        if (dot == std::string::npos) {
            return parts;
        }
        from = dot + 1;
    }
}

boost::json::object decode_segment(const std::string& segment) {
    auto text = base64url_decode(segment);
    EXPECT_TRUE(text);
    return boost::json::parse(*text).as_object();
}

// HMAC-SHA256 as an attacker holding our public key would compute it.
std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    std::size_t size = 0;
    auto* done = EVP_Q_mac(
        nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
        reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), out.size(),
        &size
    );
    EXPECT_NE(done, nullptr);
    return {reinterpret_cast<const char*>(out.data()), size};
}

std::string public_key_pem(std::string_view raw) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey{
        EVP_PKEY_new_raw_public_key(
            EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()),
            raw.size()
        ),
        &EVP_PKEY_free};
    std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new(BIO_s_mem()), &BIO_free};
    EXPECT_EQ(PEM_write_bio_PUBKEY(bio.get(), pkey.get()), 1);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(size)};
}

template <class T>
void expect_unauthenticated(const core::result<T>& r, std::string_view why) {
    ASSERT_FALSE(r) << "accepted a token that should fail with: " << why;
    EXPECT_EQ(r.error().code, core::errc::unauthenticated);
    EXPECT_THAT(r.error().detail, HasSubstr(std::string{why}));
}

class temp_dir_test : public testing::Test {
protected:
    void TearDown() override {
        for (const auto& dir : dirs_) {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    }

    fs::path new_dir(const std::string& hint) {
        dirs_.push_back(test::make_temp_dir(hint));
        return dirs_.back() / "keys";
    }

    ring_ptr open_ring(const fs::path& dir, std::size_t max_keys = 4) {
        auto ring = infra::crypto::key_ring::open(dir, clock_, max_keys);
        EXPECT_TRUE(ring) << ring.error().detail;
        return ring ? std::move(*ring) : nullptr;
    }

    core::manual_clock& clock() { return clock_; }

private:
    core::manual_clock clock_{start};
    std::vector<fs::path> dirs_;
};

class jwt : public temp_dir_test {
protected:
    void SetUp() override {
        dir_ = new_dir("jwt");
        ring_ = open_ring(dir_);
        ASSERT_NE(ring_, nullptr);
        codec_ = std::make_unique<jwt_codec>(*ring_, clock(), test_settings(dir_));
    }

    std::string valid_token() const {
        return codec_->sign(codec_->issue("usr_1", {"customer"}, "ses_1"));
    }

    boost::json::object valid_header() const {
        return {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", ring_->active_kid()}};
    }

    boost::json::object valid_payload() const { return decode_segment(split(valid_token())[1]); }

    // A token over exactly these header and payload bytes, genuinely signed by our active key, so
    // the only thing wrong with it is what the test put in.
    std::string signed_by_us(const std::string& header, const std::string& payload) const {
        auto input = base64url_encode(header) + "." + base64url_encode(payload);
        auto sig = ring_->sign(input);
        EXPECT_TRUE(sig);
        return input + "." + base64url_encode(sig->signature);
    }

    std::string our_public_key() const {
        auto x = ring_->jwks()["keys"].as_array()[0].as_object()["x"].as_string();
        return *base64url_decode(x);
    }

    const fs::path& dir() const { return dir_; }
    infra::crypto::key_ring& ring() const { return *ring_; }
    const jwt_codec& codec() const { return *codec_; }

private:
    fs::path dir_;
    ring_ptr ring_;
    std::unique_ptr<jwt_codec> codec_;
};

TEST_F(jwt, round_trip_preserves_claims) {
    auto claims = codec().issue("usr_42", {"customer", "vendor"}, "ses_7");
    auto token = codec().sign(claims);

    auto back = codec().verify(token);
    ASSERT_TRUE(back) << back.error().detail;
    EXPECT_EQ(back->sub, "usr_42");
    EXPECT_EQ(back->roles, (std::vector<std::string>{"customer", "vendor"}));
    EXPECT_EQ(back->sid, "ses_7");
    EXPECT_EQ(back->iss, "https://trader.test");
    EXPECT_EQ(back->aud, "trader-api");
    EXPECT_EQ(back->iat, start);
    EXPECT_EQ(back->nbf, start);
    EXPECT_EQ(back->exp, start + 15min);
    EXPECT_EQ(back->jti, claims.jti);
    EXPECT_FALSE(claims.jti.empty());
}

TEST_F(jwt, header_names_eddsa_and_the_active_kid) {
    auto parts = split(valid_token());
    ASSERT_EQ(parts.size(), 3U);
    auto header = decode_segment(parts[0]);
    EXPECT_EQ(str(header["alg"]), "EdDSA");
    EXPECT_EQ(str(header["typ"]), "JWT");
    EXPECT_EQ(str(header["kid"]), ring().active_kid());
    EXPECT_EQ(base64url_decode(parts[2])->size(), 64U);
    EXPECT_EQ(parts[0].find('='), std::string::npos);
}

TEST_F(jwt, verifier_names_the_principal) {
    infra::crypto::jwt_verifier verifier{codec()};
    auto who = verifier.verify(valid_token());
    ASSERT_TRUE(who) << who.error().detail;
    EXPECT_EQ(who->user_id, "usr_1");
    EXPECT_EQ(who->roles, std::vector<std::string>{"customer"});
    EXPECT_EQ(who->session_id, "ses_1");
    expect_unauthenticated(verifier.verify("not.a.token"), "token");
}

TEST_F(jwt, accepts_audience_array_containing_ours) {
    auto payload = valid_payload();
    payload["aud"] = boost::json::array{"billing", "trader-api"};
    auto back = codec().verify(signed_by_us(json(valid_header()), json(payload)));
    ASSERT_TRUE(back) << back.error().detail;
    EXPECT_EQ(back->aud, "trader-api");
}

TEST_F(jwt, tolerates_clock_skew_within_leeway) {
    auto token = valid_token();
    clock().advance(15min + 29s);
    EXPECT_TRUE(codec().verify(token));

    auto claims = codec().issue("usr_1", {}, "");
    claims.iat = claims.nbf = clock().now() + 29s;
    EXPECT_TRUE(codec().verify(codec().sign(claims)));
}

TEST_F(jwt, rejects_alg_none_with_empty_signature) {
    auto header = valid_header();
    header["alg"] = "none";
    auto token =
        base64url_encode(json(header)) + "." + base64url_encode(json(valid_payload())) + ".";
    expect_unauthenticated(codec().verify(token), "alg none is not EdDSA");
}

TEST_F(jwt, rejects_hs256_keyed_with_our_public_key_bytes) {
    auto header = valid_header();
    header["alg"] = "HS256";
    auto input = base64url_encode(json(header)) + "." + base64url_encode(json(valid_payload()));
    auto token = input + "." + base64url_encode(hmac_sha256(our_public_key(), input));
    expect_unauthenticated(codec().verify(token), "alg HS256 is not EdDSA");
}

TEST_F(jwt, rejects_hs256_keyed_with_our_public_key_pem) {
    auto header = valid_header();
    header["alg"] = "HS256";
    auto input = base64url_encode(json(header)) + "." + base64url_encode(json(valid_payload()));
    auto pem = public_key_pem(our_public_key());
    ASSERT_THAT(pem, HasSubstr("BEGIN PUBLIC KEY"));
    auto token = input + "." + base64url_encode(hmac_sha256(pem, input));
    expect_unauthenticated(codec().verify(token), "alg HS256 is not EdDSA");
}

// Even a signature our own key made does not make another algorithm acceptable.
TEST_F(jwt, rejects_every_alg_but_eddsa_even_when_validly_signed) {
    for (const char* alg :
         {"none", "HS256", "RS256", "ES256", "PS256", "eddsa", "EdDSA ", "Ed25519"}) {
        auto header = valid_header();
        header["alg"] = alg;
        expect_unauthenticated(
            codec().verify(signed_by_us(json(header), json(valid_payload()))), "alg"
        );
    }
    auto header = valid_header();
    header.erase("alg");
    expect_unauthenticated(
        codec().verify(signed_by_us(json(header), json(valid_payload()))), "no alg"
    );
}

TEST_F(jwt, rejects_expired_token) {
    auto token = valid_token();
    clock().advance(15min + 30s);
    expect_unauthenticated(codec().verify(token), "expired");
}

TEST_F(jwt, rejects_token_not_yet_valid) {
    auto claims = codec().issue("usr_1", {}, "");
    claims.nbf = clock().now() + 31s;
    claims.exp = claims.nbf + 15min;
    expect_unauthenticated(codec().verify(codec().sign(claims)), "nbf");
}

TEST_F(jwt, rejects_token_issued_in_the_future) {
    auto claims = codec().issue("usr_1", {}, "");
    claims.iat = clock().now() + 31s;
    expect_unauthenticated(codec().verify(codec().sign(claims)), "iat");
}

TEST_F(jwt, rejects_wrong_audience) {
    auto claims = codec().issue("usr_1", {}, "");
    claims.aud = "trader-admin";
    expect_unauthenticated(codec().verify(codec().sign(claims)), "aud does not match");

    auto payload = valid_payload();
    payload["aud"] = boost::json::array{"billing", "trader-apix"};
    expect_unauthenticated(
        codec().verify(signed_by_us(json(valid_header()), json(payload))), "aud does not match"
    );
}

TEST_F(jwt, rejects_missing_audience) {
    auto payload = valid_payload();
    payload.erase("aud");
    expect_unauthenticated(
        codec().verify(signed_by_us(json(valid_header()), json(payload))), "no aud"
    );
}

TEST_F(jwt, rejects_wrong_issuer) {
    auto claims = codec().issue("usr_1", {}, "");
    claims.iss = "https://evil.test";
    expect_unauthenticated(codec().verify(codec().sign(claims)), "iss does not match");
}

TEST_F(jwt, rejects_unknown_kid) {
    auto header = valid_header();
    header["kid"] = "AAAAAAAAAAA";
    expect_unauthenticated(
        codec().verify(signed_by_us(json(header), json(valid_payload()))), "kid is unknown"
    );
}

TEST_F(jwt, rejects_missing_kid) {
    auto header = valid_header();
    header.erase("kid");
    expect_unauthenticated(
        codec().verify(signed_by_us(json(header), json(valid_payload()))), "no kid"
    );
}

TEST_F(jwt, rejects_unexpected_header_parameters) {
    auto header = valid_header();
    header["jwk"] = ring().jwks()["keys"].as_array()[0];
    expect_unauthenticated(
        codec().verify(signed_by_us(json(header), json(valid_payload()))), "unexpected jwk"
    );
}

TEST_F(jwt, rejects_tampered_payload_with_original_signature) {
    auto parts = split(valid_token());
    auto payload = decode_segment(parts[1]);
    payload["roles"] = boost::json::array{"admin"};
    auto token = parts[0] + "." + base64url_encode(json(payload)) + "." + parts[2];
    expect_unauthenticated(codec().verify(token), "signature does not verify");
}

TEST_F(jwt, rejects_signature_from_another_key_with_our_kid) {
    auto other = open_ring(new_dir("jwt-other"));
    ASSERT_NE(other, nullptr);
    ASSERT_NE(other->active_kid(), ring().active_kid());
    auto input =
        base64url_encode(json(valid_header())) + "." + base64url_encode(json(valid_payload()));
    auto sig = other->sign(input);
    ASSERT_TRUE(sig);
    expect_unauthenticated(
        codec().verify(input + "." + base64url_encode(sig->signature)), "signature does not verify"
    );
}

TEST_F(jwt, rejects_malformed_base64) {
    auto parts = split(valid_token());
    expect_unauthenticated(
        codec().verify(parts[0] + "=." + parts[1] + "." + parts[2]), "header: base64url"
    );
    expect_unauthenticated(codec().verify("e+." + parts[1] + "." + parts[2]), "header: base64url");
    expect_unauthenticated(
        codec().verify(parts[0] + "." + parts[1] + "." + parts[2] + "=="), "signature: base64url"
    );
    // 64 bytes end in a character with 4 unused bits; setting one gives a second spelling of the
    // same signature, which a lax decoder would accept.
    auto sig = parts[2];
    ASSERT_THAT(std::string("AQgw"), HasSubstr(std::string(1, sig.back())));
    sig.back() = static_cast<char>(sig.back() + 1);
    expect_unauthenticated(
        codec().verify(parts[0] + "." + parts[1] + "." + sig),
        "signature: base64url has non-zero trailing bits"
    );
    expect_unauthenticated(
        codec().verify(parts[0] + "." + parts[1] + ".A"), "signature: base64url"
    );
}

TEST_F(jwt, rejects_wrong_segment_count) {
    auto parts = split(valid_token());
    expect_unauthenticated(codec().verify(parts[0] + "." + parts[1]), "three segments");
    expect_unauthenticated(codec().verify(valid_token() + "." + parts[2]), "three segments");
    expect_unauthenticated(codec().verify(""), "three segments");
    expect_unauthenticated(codec().verify(".."), "header is not JSON");
}

TEST_F(jwt, rejects_oversize_token_before_parsing) {
    std::vector<std::string> roles(400, "role_with_a_long_enough_name");
    auto token = codec().sign(codec().issue("usr_1", roles, ""));
    ASSERT_GT(token.size(), 8U * 1024);
    expect_unauthenticated(codec().verify(token), "larger than 8192 bytes");

    auto settings = test_settings(dir());
    settings.max_token_bytes = std::size_t{64} * 1024;
    EXPECT_TRUE(jwt_codec(ring(), clock(), settings).verify(token));
}

TEST_F(jwt, rejects_header_that_is_not_a_json_object) {
    auto parts = split(valid_token());
    expect_unauthenticated(
        codec().verify(base64url_encode("{\"alg\":") + "." + parts[1] + "." + parts[2]),
        "header is not JSON"
    );
    expect_unauthenticated(
        codec().verify(base64url_encode("[\"EdDSA\"]") + "." + parts[1] + "." + parts[2]),
        "header is not a JSON object"
    );
}

TEST_F(jwt, rejects_payload_claims_of_the_wrong_type) {
    auto payload = valid_payload();
    payload["exp"] = "2099-01-01";
    expect_unauthenticated(
        codec().verify(signed_by_us(json(valid_header()), json(payload))), "exp"
    );

    payload = valid_payload();
    payload["exp"] = 1e300;
    expect_unauthenticated(
        codec().verify(signed_by_us(json(valid_header()), json(payload))), "exp"
    );

    payload = valid_payload();
    payload["exp"] = std::int64_t{1} << 62;
    expect_unauthenticated(
        codec().verify(signed_by_us(json(valid_header()), json(payload))), "out of range"
    );

    payload = valid_payload();
    payload["roles"] = "admin";
    expect_unauthenticated(
        codec().verify(signed_by_us(json(valid_header()), json(payload))), "roles"
    );

    payload = valid_payload();
    payload.erase("sub");
    expect_unauthenticated(
        codec().verify(signed_by_us(json(valid_header()), json(payload))), "no sub"
    );

    expect_unauthenticated(
        codec().verify(signed_by_us(json(valid_header()), "[1]")), "payload is not a JSON object"
    );
}

TEST_F(jwt, base64url_round_trips_without_padding) {
    for (const std::string& s : std::vector<std::string>{
             "", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00\x01", 4)}) {
        auto encoded = base64url_encode(s);
        EXPECT_EQ(encoded.find('='), std::string::npos);
        auto back = base64url_decode(encoded);
        ASSERT_TRUE(back) << encoded;
        EXPECT_EQ(*back, s);
    }
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_FALSE(base64url_decode("Zm9v="));
    EXPECT_FALSE(base64url_decode("Zm9vY"));  // impossible length
    EXPECT_FALSE(base64url_decode("Zh"));     // non-zero trailing bits
    EXPECT_FALSE(base64url_decode("Zm+v"));
    EXPECT_FALSE(base64url_decode("Zm/v"));
    EXPECT_FALSE(base64url_decode("Zm v"));
}

class key_ring : public temp_dir_test {};

TEST_F(key_ring, open_creates_a_first_key_readable_by_owner_only) {
    auto dir = new_dir("ring");
    auto ring = open_ring(dir);
    ASSERT_NE(ring, nullptr);
    ASSERT_EQ(ring->kids().size(), 1U);
    auto kid = ring->active_kid();
    EXPECT_EQ(kid.size(), 11U);  // base64url of 8 bytes

    auto pem = dir / ("jwt-" + kid + ".pem");
    ASSERT_TRUE(fs::exists(pem));
    EXPECT_EQ(fs::status(pem).permissions(), fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(fs::status(dir).permissions(), fs::perms::owner_all);
    std::ifstream pem_in{pem};
    std::string first_line;
    std::getline(pem_in, first_line);
    EXPECT_EQ(first_line, "-----BEGIN PRIVATE KEY-----");

    std::ifstream active_in{dir / "active"};
    std::string active;
    std::getline(active_in, active);
    EXPECT_EQ(active, kid);
}

TEST_F(key_ring, jwks_publishes_the_public_key_only) {
    auto ring = open_ring(new_dir("ring"));
    ASSERT_NE(ring, nullptr);
    auto jwks = ring->jwks();
    const auto& keys = jwks["keys"].as_array();
    ASSERT_EQ(keys.size(), 1U);
    const auto& key = keys[0].as_object();
    EXPECT_EQ(str(key.at("kty")), "OKP");
    EXPECT_EQ(str(key.at("crv")), "Ed25519");
    EXPECT_EQ(str(key.at("alg")), "EdDSA");
    EXPECT_EQ(str(key.at("use")), "sig");
    EXPECT_EQ(str(key.at("kid")), ring->active_kid());
    EXPECT_FALSE(key.contains("d"));
    auto x = base64url_decode(key.at("x").as_string());
    ASSERT_TRUE(x);
    EXPECT_EQ(x->size(), 32U);

    // The kid is derived from the public key: base64url(SHA-256(x)[0..8]).
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int md_size = 0;
    ASSERT_EQ(EVP_Digest(x->data(), x->size(), md.data(), &md_size, EVP_sha256(), nullptr), 1);
    EXPECT_EQ(
        ring->active_kid(),
        base64url_encode(std::string_view{reinterpret_cast<const char*>(md.data()), 8})
    );
}

TEST_F(key_ring, tokens_signed_before_rotate_still_verify) {
    auto dir = new_dir("ring");
    auto ring = open_ring(dir);
    ASSERT_NE(ring, nullptr);
    jwt_codec codec{*ring, clock(), test_settings(dir)};
    auto old_kid = ring->active_kid();
    auto before = codec.sign(codec.issue("usr_1", {}, "ses_1"));

    clock().advance(5min);
    auto new_kid = ring->rotate();
    ASSERT_TRUE(new_kid) << new_kid.error().detail;
    EXPECT_NE(*new_kid, old_kid);
    EXPECT_EQ(ring->active_kid(), *new_kid);
    EXPECT_EQ(ring->kids(), (std::vector<std::string>{old_kid, *new_kid}));
    EXPECT_EQ(ring->jwks()["keys"].as_array().size(), 2U);

    auto after = codec.sign(codec.issue("usr_1", {}, "ses_1"));
    EXPECT_EQ(str(decode_segment(split(after)[0])["kid"]), *new_kid);
    EXPECT_EQ(str(decode_segment(split(before)[0])["kid"]), old_kid);

    EXPECT_TRUE(codec.verify(before));
    EXPECT_TRUE(codec.verify(after));
}

TEST_F(key_ring, reopens_with_the_same_keys) {
    auto dir = new_dir("ring");
    std::string token;
    std::vector<std::string> kids;
    std::string active;
    {
        auto ring = open_ring(dir);
        ASSERT_NE(ring, nullptr);
        jwt_codec codec{*ring, clock(), test_settings(dir)};
        token = codec.sign(codec.issue("usr_1", {}, ""));
        clock().advance(1min);
        ASSERT_TRUE(ring->rotate());
        kids = ring->kids();
        active = ring->active_kid();
    }
    auto reopened = open_ring(dir);
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(reopened->kids(), kids);
    EXPECT_EQ(reopened->active_kid(), active);
    jwt_codec codec{*reopened, clock(), test_settings(dir)};
    auto back = codec.verify(token);
    EXPECT_TRUE(back) << back.error().detail;
}

TEST_F(key_ring, reload_picks_up_a_rotation_by_another_process) {
    auto dir = new_dir("ring");
    auto a = open_ring(dir);
    auto b = open_ring(dir);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(a->active_kid(), b->active_kid());
    clock().advance(1min);
    auto rotated = a->rotate();
    ASSERT_TRUE(rotated);
    EXPECT_FALSE(b->contains(*rotated));
    ASSERT_TRUE(b->reload());
    EXPECT_TRUE(b->contains(*rotated));
    EXPECT_EQ(b->active_kid(), *rotated);
}

TEST_F(key_ring, max_keys_drops_the_oldest) {
    auto dir = new_dir("ring");
    auto ring = open_ring(dir, 2);
    ASSERT_NE(ring, nullptr);
    auto first = ring->active_kid();
    clock().advance(1min);
    auto second = ring->rotate();
    clock().advance(1min);
    auto third = ring->rotate();
    ASSERT_TRUE(second);
    ASSERT_TRUE(third);
    EXPECT_EQ(ring->kids(), (std::vector<std::string>{*second, *third}));
    EXPECT_FALSE(fs::exists(dir / ("jwt-" + first + ".pem")));
    EXPECT_FALSE(infra::crypto::key_ring::open(dir, clock(), 1));
}

TEST_F(key_ring, retire_drops_only_keys_that_stopped_signing_before_the_cutoff) {
    auto dir = new_dir("ring");
    auto ring = open_ring(dir);
    ASSERT_NE(ring, nullptr);
    auto first = ring->active_kid();
    clock().advance(1h);
    auto second = ring->rotate();  // first stops signing now
    ASSERT_TRUE(second);
    clock().advance(10min);

    // `first` signed tokens until 10 minutes ago: they may still be valid, so it stays.
    ASSERT_TRUE(ring->retire_older_than(clock().now() - 15min - 30s));
    EXPECT_EQ(ring->kids().size(), 2U);

    clock().advance(10min);
    ASSERT_TRUE(ring->retire_older_than(clock().now() - 15min - 30s));
    EXPECT_EQ(ring->kids(), std::vector<std::string>{*second});
    EXPECT_FALSE(fs::exists(dir / ("jwt-" + first + ".pem")));

    // The active key is never retired, however old.
    clock().advance(24h * 365);
    ASSERT_TRUE(ring->retire_older_than(clock().now()));
    EXPECT_EQ(ring->kids(), std::vector<std::string>{*second});
    auto reopened = open_ring(dir);
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(reopened->kids(), std::vector<std::string>{*second});
}

TEST_F(key_ring, refuses_a_key_file_readable_by_others) {
    auto dir = new_dir("ring");
    auto kid = open_ring(dir)->active_kid();
    fs::permissions(dir / ("jwt-" + kid + ".pem"), fs::perms::group_read, fs::perm_options::add);
    auto ring = infra::crypto::key_ring::open(dir, clock());
    ASSERT_FALSE(ring);
    EXPECT_THAT(ring.error().detail, HasSubstr("chmod 600"));
}

TEST_F(key_ring, refuses_an_active_file_naming_no_key) {
    auto dir = new_dir("ring");
    ASSERT_NE(open_ring(dir), nullptr);
    {
        std::ofstream out{dir / "active", std::ios::trunc};
        out << "AAAAAAAAAAA\n";
    }
    auto ring = infra::crypto::key_ring::open(dir, clock());
    ASSERT_FALSE(ring);
    EXPECT_THAT(ring.error().detail, HasSubstr("AAAAAAAAAAA"));
}

TEST_F(key_ring, refuses_a_key_file_whose_name_is_not_its_kid) {
    auto dir = new_dir("ring");
    auto kid = open_ring(dir)->active_kid();
    fs::rename(dir / ("jwt-" + kid + ".pem"), dir / "jwt-BBBBBBBBBBB.pem");
    auto ring = infra::crypto::key_ring::open(dir, clock());
    ASSERT_FALSE(ring);
    EXPECT_THAT(ring.error().detail, HasSubstr(kid));
}

}  // namespace
