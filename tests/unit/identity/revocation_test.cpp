#include "modules/identity/revocation.hpp"

#include <gtest/gtest.h>

#include "support/env.hpp"

namespace {

using namespace std::chrono_literals;

const core::time_point start{std::chrono::seconds{1'767'225'600}};

TEST(identity_revocation, refuses_revoked_sessions_and_suspended_users_until_the_window_passes) {
    core::manual_clock clock{start};
    identity::revocation_list list{clock, 930s};
    EXPECT_FALSE(list.refuses("usr_a", "ses_1"));
    list.revoke_session("ses_1");
    list.suspend_user("usr_b");
    EXPECT_TRUE(list.refuses("usr_a", "ses_1"));
    EXPECT_TRUE(list.refuses("usr_b", "ses_9"));
    EXPECT_FALSE(list.refuses("usr_a", "ses_2"));
    list.reinstate_user("usr_b");
    EXPECT_FALSE(list.refuses("usr_b", "ses_9"));

    // Past the window every token issued before the entry has expired: the entry may go.
    clock.advance(931s);
    list.revoke_session("ses_other");  // writes prune
    EXPECT_FALSE(list.refuses("usr_a", "ses_1"));
    EXPECT_TRUE(list.refuses("usr_a", "ses_other"));
}

TEST(identity_revocation, verifier_refuses_tokens_of_revoked_sessions) {
    core::manual_clock clock{start};
    auto dir = test::make_temp_dir("revocation");
    auto ring = infra::crypto::key_ring::open(dir / "keys", clock);
    ASSERT_TRUE(ring);
    infra::crypto::jwt_settings s;
    s.issuer = "trader";
    s.audience = "trader-api";
    infra::crypto::jwt_codec codec{**ring, clock, s};
    identity::revocation_list list{clock, 930s};
    identity::access_verifier verifier{codec, list};

    auto token = codec.sign(codec.issue("usr_a", {"customer"}, "ses_1"));
    auto ok = verifier.verify(token);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->user_id, "usr_a");
    EXPECT_EQ(ok->session_id, "ses_1");
    list.revoke_session("ses_1");
    auto refused = verifier.verify(token);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, core::errc::unauthenticated);
    EXPECT_FALSE(verifier.verify("garbage"));
    std::filesystem::remove_all(dir);
}

}  // namespace
