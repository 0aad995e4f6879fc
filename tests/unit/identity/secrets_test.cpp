#include "modules/identity/secrets.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

using namespace identity::secrets;

TEST(identity_secrets, argon2id_hash_verifies_only_its_password) {
    auto hash = hash_password("Correct-Horse-42");
    ASSERT_TRUE(hash) << hash.error().detail;
    EXPECT_TRUE(hash->starts_with("$argon2id$")) << *hash;
    EXPECT_TRUE(verify_password(*hash, "Correct-Horse-42"));
    EXPECT_FALSE(verify_password(*hash, "Correct-Horse-43"));
    EXPECT_FALSE(verify_password(*hash, ""));
    EXPECT_FALSE(needs_rehash(*hash));
    auto again = hash_password("Correct-Horse-42");
    EXPECT_NE(*hash, *again) << "salted";
}

TEST(identity_secrets, malformed_hashes_never_verify) {
    EXPECT_FALSE(verify_password("", "x"));
    EXPECT_FALSE(verify_password("$argon2id$garbage", "x"));
    EXPECT_FALSE(verify_password(std::string(1000, 'a'), "x"));
    EXPECT_TRUE(needs_rehash("$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaA"));
}

TEST(identity_secrets, tokens_are_random_base64url_of_32_bytes) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        auto t = random_token();
        EXPECT_EQ(t.size(), 43U);
        EXPECT_EQ(
            t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos
        ) << t;
        seen.insert(t);
    }
    EXPECT_EQ(seen.size(), 100U);
}

TEST(identity_secrets, sha256_hex_matches_the_standard_vector) {
    EXPECT_EQ(
        sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

}  // namespace
