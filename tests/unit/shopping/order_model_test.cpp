// The order and sub-order state machines: exactly the documented transitions are allowed, and an
// order's status follows its sub-orders.
#include "modules/shopping/order_model.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

using shopping::order_status;
using shopping::sub_order_status;
using sub = sub_order_status;

const std::vector<sub> every_sub{
    sub::pending_payment, sub::placed,    sub::accepted,  sub::preparing, sub::ready_for_pickup,
    sub::picked_up,       sub::delivered, sub::cancelled, sub::rejected,  sub::refunded};

TEST(order_model, a_sub_order_moves_only_along_the_documented_edges) {
    const std::set<std::pair<sub, sub>> allowed{
        {sub::pending_payment, sub::placed},     {sub::pending_payment, sub::cancelled},
        {sub::placed, sub::accepted},            {sub::placed, sub::rejected},
        {sub::placed, sub::cancelled},           {sub::accepted, sub::preparing},
        {sub::accepted, sub::ready_for_pickup},  {sub::accepted, sub::cancelled},
        {sub::preparing, sub::ready_for_pickup}, {sub::preparing, sub::cancelled},
        {sub::ready_for_pickup, sub::picked_up}, {sub::picked_up, sub::delivered},
        {sub::delivered, sub::refunded}};
    for (auto from : every_sub) {
        for (auto to : every_sub) {
            EXPECT_EQ(shopping::can_move(from, to), allowed.contains({from, to}))
                << to_string(from) << " -> " << to_string(to);
        }
    }
}

TEST(order_model, statuses_round_trip_through_their_names) {
    for (auto s : every_sub) {
        EXPECT_EQ(shopping::parse_sub_order_status(to_string(s)), s);
    }
    EXPECT_FALSE(shopping::parse_sub_order_status("shipped"));
    EXPECT_EQ(shopping::parse_order_status("in_progress"), order_status::in_progress);
    EXPECT_FALSE(shopping::parse_order_status("lost"));
}

TEST(order_model, an_order_follows_its_sub_orders) {
    using shopping::derive;
    EXPECT_EQ(derive({sub::placed, sub::placed}, order_status::placed), order_status::placed);
    EXPECT_EQ(derive({sub::accepted, sub::placed}, order_status::placed), order_status::in_progress);
    EXPECT_EQ(derive({sub::rejected, sub::placed}, order_status::placed), order_status::placed);
    EXPECT_EQ(derive({sub::rejected, sub::cancelled}, order_status::placed), order_status::cancelled);
    EXPECT_EQ(derive({sub::delivered, sub::rejected}, order_status::in_progress), order_status::completed);
    EXPECT_EQ(derive({sub::delivered, sub::ready_for_pickup}, order_status::in_progress),
              order_status::in_progress);
    EXPECT_EQ(derive({sub::pending_payment, sub::pending_payment}, order_status::pending_payment),
              order_status::pending_payment);
    EXPECT_EQ(derive({sub::refunded}, order_status::refunded), order_status::refunded);
}

TEST(order_model, every_derived_order_status_is_a_legal_move) {
    // Whatever its sub-orders do, the order only takes transitions its own machine allows.
    for (auto a : every_sub) {
        for (auto b : every_sub) {
            for (auto current : {order_status::placed, order_status::in_progress}) {
                auto next = shopping::derive({a, b}, current);
                if (next != current && next != order_status::pending_payment) {
                    EXPECT_TRUE(shopping::can_move(current, next))
                        << to_string(current) << " -> " << to_string(next);
                }
            }
        }
    }
}

TEST(order_model, the_checkout_body_is_validated_field_by_field) {
    auto bad = boost::json::parse(
        R"({"shipping_address":{"line1":"","city":"Berlin","country":"de","lat":95,"lng":13},)"
        R"("delivery":{"method":"drone"},"payment":{"method":"cod"},"extra":1})"
    );
    auto parsed = shopping::parse_checkout(bad);
    ASSERT_FALSE(parsed);
    std::set<std::string> pointers;
    for (const auto& f : parsed.error().fields) {
        pointers.insert(f.pointer);
    }
    for (const char* p : {"/shipping_address/line1", "/shipping_address/country",
                          "/shipping_address/lat", "/delivery/method", "/extra"}) {
        EXPECT_TRUE(pointers.contains(p)) << p;
    }
    auto good = boost::json::parse(
        R"({"shipping_address":{"line1":"Torstrasse 1","city":"Berlin","country":"DE","lat":52.5,"lng":13.4},)"
        R"("delivery":{"method":"pickup"},"payment":{"method":"cod"}})"
    );
    auto ok = shopping::parse_checkout(good);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->delivery.method, shopping::delivery_method::pickup);
    ASSERT_TRUE(ok->delivery.destination);
    EXPECT_DOUBLE_EQ(ok->delivery.destination->lat, 52.5);
}

TEST(order_model, the_documents_are_valid_json_and_each_vendor_sees_its_entry_of_the_order) {
    shopping::order o;
    o.id = "ord_1";
    o.cart_id = "cart_1";
    o.email = "buyer@example.test";
    o.currency = "EUR";
    o.payment_method = "cod";
    o.payment_status = "pending";
    o.address.line1 = "Torstrasse \"1\"\n";
    o.address.city = "Berlin";
    o.address.country = "DE";
    o.address.lat = 52.529;
    o.address.lng = 13.401;
    o.promotion_ids = {"promo_1"};
    o.history.push_back(shopping::history_entry{.to = "placed", .actor = "customer"});
    for (const auto* vendor : {"ven_1", "ven_2"}) {
        shopping::sub_order s;
        s.id = std::string{"sub_"} + vendor;
        s.order_id = o.id;
        s.vendor_id = vendor;
        s.distance_m = 1200;
        s.totals.subtotal = 1000;
        s.totals.total = 1000;
        s.items.push_back(shopping::order_item{
            .id = "oitem_" + s.id,
            .title = "Lamp \\ \"Arc\"",
            .sku = "L-1",
            .options = {{"size", "M"}, {"bulbs", 2}},
            .quantity = 2,
            .unit_amount = 500});
        s.history.push_back(shopping::history_entry{
            .sub_order_id = s.id, .to = "placed", .actor = "customer"});
        o.sub_orders.push_back(std::move(s));
    }

    const auto doc = boost::json::parse(shopping::order_text(o)).as_object();
    EXPECT_EQ(doc.at("object"), "order");
    EXPECT_EQ(doc.at("shipping_address").at("line1").as_string(), o.address.line1);
    EXPECT_DOUBLE_EQ(doc.at("shipping_address").at("lat").to_number<double>(), 52.529);
    EXPECT_EQ(doc.at("promotion_ids").as_array().size(), 1U);
    EXPECT_TRUE(doc.at("reserved_until").is_null());
    EXPECT_TRUE(doc.at("customer_id").is_null());
    const auto& subs = doc.at("sub_orders").as_array();
    ASSERT_EQ(subs.size(), 2U);
    const auto& item = subs[0].at("items").as_array().at(0);
    EXPECT_EQ(item.at("title"), "Lamp \\ \"Arc\"");
    EXPECT_EQ(item.at("options"), (boost::json::object{{"size", "M"}, {"bulbs", 2}}));
    EXPECT_EQ(item.at("unit_price"), (boost::json::object{{"amount", 500}, {"currency", "EUR"}}));
    EXPECT_EQ(subs[0].at("totals").at("total").at("amount"), 1000);
    EXPECT_EQ(subs[0].at("delivery").at("distance_m"), 1200);

    // A vendor's document is its entry of the order plus the order's fields it needs.
    for (std::size_t i = 0; i < subs.size(); ++i) {
        auto mine = boost::json::parse(shopping::vendor_order_text(o, o.sub_orders[i])).as_object();
        for (const auto& member : subs[i].as_object()) {
            EXPECT_EQ(mine.at(member.key()), member.value()) << member.key();
        }
        EXPECT_EQ(mine.at("order_status"), doc.at("status"));
        EXPECT_EQ(mine.at("shipping_address"), doc.at("shipping_address"));
        EXPECT_EQ(mine.at("payment"), doc.at("payment"));
        EXPECT_EQ(mine.at("email"), "buyer@example.test");
        EXPECT_EQ(mine.size(), subs[i].as_object().size() + 5);
    }
    o.email.reset();
    EXPECT_TRUE(
        boost::json::parse(shopping::vendor_order_text(o, o.sub_orders[1])).at("email").is_null()
    );
}

}  // namespace
