#include "modules/identity/policy.hpp"

#include <gtest/gtest.h>

namespace {

using namespace identity::policy;

TEST(identity_policy, normalises_emails_by_trimming_and_lower_casing) {
    EXPECT_EQ(normalise_email("  Alice.Smith@Example.COM \n"), "alice.smith@example.com");
    EXPECT_EQ(normalise_email("   "), "");
}

TEST(identity_policy, accepts_ordinary_addresses) {
    for (const char* ok :
         {"a@example.com", "first.last+tag@sub.example.co.uk", "o'neil@example.ie",
          "x_y-z@xn--bcher-kva.example", "1234@example.museum", "a@xn--p1ai.xn--p1ai"}) {
        EXPECT_FALSE(check_email(ok)) << ok;
    }
}

TEST(identity_policy, refuses_malformed_addresses) {
    for (const char* bad :
         {"", "plain", "@example.com", "a@", "a@b", "a@@example.com", "a b@example.com",
          ".a@example.com", "a.@example.com", "a..b@example.com", "a@-example.com",
          "a@example-.com", "a@example..com", "a@example.c", "a@example.123", "a(b)@example.com",
          "ü@example.com", "a@exämple.com"}) {
        EXPECT_TRUE(check_email(bad)) << bad;
    }
    EXPECT_EQ(check_email(std::string(64, 'a') + "@example.com"), std::nullopt);
    EXPECT_TRUE(check_email(std::string(65, 'a') + "@example.com")) << "local part over 64";
    EXPECT_EQ(check_email("a@" + std::string(250, 'b') + ".com")->code, "max_length");
}

TEST(identity_policy, password_needs_length_and_two_character_classes) {
    EXPECT_EQ(check_password("Ab1-", "")->code, "min_length");
    EXPECT_EQ(check_password(std::string(129, 'a') + "B", "")->code, "max_length");
    EXPECT_EQ(check_password("abcdefghijkl", "")->code, "too_weak");
    EXPECT_EQ(check_password("ABCDEFGHIJKL", "")->code, "too_weak");
    EXPECT_EQ(check_password("123456789012", "")->code, "too_weak");
    EXPECT_EQ(check_password("!!!!!!!!!!!!", "")->code, "too_weak");
    EXPECT_FALSE(check_password("abcdefghij1", ""));
    EXPECT_FALSE(check_password("correct horse battery", "")) << "a space is an other character";
    EXPECT_FALSE(check_password("pässwörtlich", ""))
        << "non-ASCII letters count as other characters";
    EXPECT_EQ(check_password("Tab\there-123", "")->code, "characters");
    // Length is counted in code points, not bytes.
    EXPECT_EQ(check_password("ääääääää1", "")->code, "min_length");
}

TEST(identity_policy, password_must_not_be_the_email) {
    EXPECT_EQ(
        check_password("Jane.Doe@Example.com", "jane.doe@example.com")->code, "matches_email"
    );
    EXPECT_EQ(check_password("JANE.DOE99", "jane.doe99@example.com")->code, "matches_email");
    EXPECT_FALSE(check_password("jane.doe@example.com!", "jane.doe@example.com"));
}

TEST(identity_policy, names_and_locales) {
    EXPECT_FALSE(check_name("Zoë O'Brien-Łukasz"));
    EXPECT_EQ(check_name("")->code, "min_length");
    EXPECT_EQ(check_name("  ")->code, "min_length");
    EXPECT_EQ(check_name(std::string(101, 'n'))->code, "max_length");
    EXPECT_FALSE(check_name(std::string(100, 'n')));
    EXPECT_EQ(check_name("bell\a")->code, "characters");
    for (const char* ok : {"en", "de-DE", "zh-Hant-TW", "es-419", "gsw"}) {
        EXPECT_FALSE(check_locale(ok)) << ok;
    }
    for (const char* bad :
         {"", "e", "english", "en_US", "en-", "-en", "en--US", "en-toolongsubtag"}) {
        EXPECT_TRUE(check_locale(bad)) << bad;
    }
}

}  // namespace
