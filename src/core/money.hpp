// Money as integer minor units with an ISO 4217 currency; arithmetic is overflow-checked.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace core {

// Three upper-case letters of a currency we know, stored inline so money stays a cheap value.
class currency {
public:
    // Only through parse(): every currency in the system is a known ISO 4217 code.
    static result<currency> parse(std::string_view code);

    std::string_view code() const noexcept { return {code_.data(), 3}; }
    // Number of minor-unit digits (2 for EUR, 0 for JPY, 3 for KWD).
    int exponent() const noexcept { return exponent_; }

    friend bool operator==(const currency& a, const currency& b) noexcept {
        return a.code_ == b.code_;
    }

private:
    currency(std::array<char, 3> code, int exponent) : code_(code), exponent_(exponent) {}
    std::array<char, 3> code_;
    int exponent_;
};

class money {
public:
    money(std::int64_t minor_units, currency cur) : amount_(minor_units), currency_(cur) {}

    std::int64_t amount() const noexcept { return amount_; }
    const core::currency& currency() const noexcept { return currency_; }

    // Each fails with `invalid` on a currency mismatch or overflow: never wraps, never rounds
    // silently.
    result<money> plus(const money& other) const;
    result<money> minus(const money& other) const;
    result<money> times(std::int64_t factor) const;
    // amount * numerator / denominator, rounded half away from zero (the documented rule for
    // percentages, tax and commission).
    result<money> scaled(std::int64_t numerator, std::int64_t denominator) const;

    friend bool operator==(const money& a, const money& b) noexcept {
        return a.amount_ == b.amount_ && a.currency_ == b.currency_;
    }

private:
    std::int64_t amount_;
    core::currency currency_;
};

}  // namespace core
