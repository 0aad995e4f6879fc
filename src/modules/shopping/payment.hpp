// How an order is paid. Checkout asks the chosen method to authorise the order's total inside
// the checkout transaction; a method that settles later (card with 3-D Secure, PayPal approval)
// leaves the order pending_payment with its stock reserved until a webhook confirms it or the
// reservation expires. Cash on delivery is authorised at once and captured when the goods are
// delivered. Stripe and PayPal implement the same interface in the payments module.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/task.hpp"

namespace shopping {

struct payment_request {
    std::string order_id;
    std::string currency;
    std::int64_t amount = 0;  // minor units
    std::optional<std::string> customer_id;
    std::optional<std::string> email;
};

enum class payment_outcome {
    authorized,      // the order is placed now
    requires_action  // the customer must finish paying; the order waits in pending_payment
};

struct authorization {
    payment_outcome outcome = payment_outcome::authorized;
    std::string status;                     // stored on the order: pending | authorized | ...
    std::optional<std::string> reference;   // the provider's id (payment intent, PayPal order)
    std::optional<std::string> client_secret;  // what the client needs to finish (not stored)
};

class payment_method {
public:
    virtual ~payment_method() = default;
    virtual std::string_view name() const = 0;
    // True when authorize() completes without leaving the process (no provider round trip, never
    // suspends): checkout may then call it inside the write transaction.
    virtual bool authorizes_in_process() const { return false; }
    virtual core::task<core::result<authorization>> authorize(payment_request r) = 0;
    // Takes the authorised amount (cash handed over on delivery; a card capture).
    virtual core::task<core::result<std::string>> capture(std::string order_id, std::int64_t amount) = 0;
    // Gives money back; the new payment status.
    virtual core::task<core::result<std::string>> refund(std::string order_id, std::int64_t amount) = 0;
};

// Cash on delivery: nothing to authorise online; the courier or the store collects the total.
class cash_on_delivery final : public payment_method {
public:
    std::string_view name() const override { return "cod"; }
    bool authorizes_in_process() const override { return true; }
    core::task<core::result<authorization>> authorize(payment_request /*r*/) override {
        co_return authorization{.outcome = payment_outcome::authorized, .status = "pending"};
    }
    core::task<core::result<std::string>> capture(std::string /*order_id*/, std::int64_t /*amount*/) override {
        co_return std::string{"captured"};
    }
    core::task<core::result<std::string>> refund(std::string /*order_id*/, std::int64_t /*amount*/) override {
        co_return std::string{"refunded"};
    }
};

// Test stand-in (TRADER_TEST_HOOKS only) for a provider that settles later: the order waits in
// pending_payment until its reservation expires.
class deferred_test_payment final : public payment_method {
public:
    std::string_view name() const override { return "test_deferred"; }
    core::task<core::result<authorization>> authorize(payment_request /*r*/) override {
        co_return authorization{.outcome = payment_outcome::requires_action, .status = "pending"};
    }
    core::task<core::result<std::string>> capture(std::string /*order_id*/, std::int64_t /*amount*/) override {
        co_return std::string{"captured"};
    }
    core::task<core::result<std::string>> refund(std::string /*order_id*/, std::int64_t /*amount*/) override {
        co_return std::string{"refunded"};
    }
};

// The methods checkout offers, by name.
class payment_methods {
public:
    void add(std::unique_ptr<payment_method> m) {
        auto name = std::string{m->name()};
        methods_[std::move(name)] = std::move(m);
    }
    payment_method* find(std::string_view name) const {
        auto found = methods_.find(std::string{name});
        return found == methods_.end() ? nullptr : found->second.get();
    }

private:
    std::map<std::string, std::unique_ptr<payment_method>> methods_;
};

}  // namespace shopping
