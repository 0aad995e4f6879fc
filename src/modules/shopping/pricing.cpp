#include "modules/shopping/pricing.hpp"

#include <algorithm>
#include <numeric>
#include <set>
#include <utility>

#include "core/json.hpp"
#include "core/money.hpp"

namespace shopping {
namespace {

using core::errc;

core::failure overflow() { return core::fail(errc::invalid, "the cart's amounts are too large"); }

bool add_to(std::int64_t& sum, std::int64_t v) { return !__builtin_add_overflow(sum, v, &sum); }

bool add_amounts(amounts& sum, const amounts& v) {
    return add_to(sum.subtotal, v.subtotal) && add_to(sum.discount, v.discount) &&
           add_to(sum.delivery, v.delivery) && add_to(sum.tax, v.tax) && add_to(sum.total, v.total);
}

// The tax contained in a gross amount: gross * rate / (1 + rate), rounded half up.
std::int64_t included_tax(std::int64_t gross, std::int64_t rate_bps) {
    if (rate_bps == 0 || gross == 0) {
        return 0;
    }
    return scale_half_up(gross, rate_bps, 10000 + rate_bps);
}

}  // namespace

std::int64_t scale_half_up(std::int64_t a, std::int64_t numerator, std::int64_t denominator) {
    auto product = static_cast<__int128>(a) * numerator;
    return static_cast<std::int64_t>(
        (product * 2 + denominator) / (static_cast<__int128>(denominator) * 2)
    );
}

std::vector<std::int64_t> allocate(std::int64_t total, const std::vector<std::int64_t>& weights) {
    std::vector<std::int64_t> parts(weights.size(), 0);
    if (weights.empty()) {
        return parts;
    }
    __int128 sum = 0;
    for (auto w : weights) {
        sum += w;
    }
    if (sum == 0) {
        parts.front() = total;
        return parts;
    }
    std::vector<__int128> remainders(weights.size());
    std::int64_t given = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        auto exact = static_cast<__int128>(total) * weights[i];
        parts[i] = static_cast<std::int64_t>(exact / sum);
        remainders[i] = exact % sum;
        given += parts[i];
    }
    std::vector<std::size_t> order(weights.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return remainders[a] > remainders[b];
    });
    // At most weights.size() - 1 units are left over, one per largest remainder.
    for (std::size_t k = 0; given < total && k < order.size(); ++k) {
        ++parts[order[k]];
        ++given;
    }
    return parts;
}

core::result<priced_cart> price(const pricing_input& in) {
    if (in.tax_rate_bps < 0 || in.tax_rate_bps > 10000) {
        return core::fail(errc::invalid, "tax rate out of range");
    }
    const auto n = in.lines.size();
    std::vector<std::int64_t> subtotal(n);
    std::vector<std::int64_t> remaining(n);
    std::vector<std::int64_t> discount(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& l = in.lines[i];
        if (l.unit_amount < 0 || l.quantity < 1) {
            return core::fail(errc::invalid, "line " + l.line_id + " has a negative amount");
        }
        if (__builtin_mul_overflow(l.unit_amount, l.quantity, &subtotal[i])) {
            return overflow();
        }
        remaining[i] = subtotal[i];
    }
    for (const auto& [vendor, fee] : in.delivery_fees) {
        if (fee < 0) {
            return core::fail(errc::invalid, "negative delivery fee for " + vendor);
        }
    }

    priced_cart out;
    std::set<std::string> waived;
    for (const auto& p : in.promotions) {
        priced_promotion result{.id = p.id};
        std::vector<std::size_t> scope;
        std::int64_t scope_subtotal = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (!p.vendor_id || in.lines[i].vendor_id == *p.vendor_id) {
                scope.push_back(i);
                if (!add_to(scope_subtotal, subtotal[i])) {
                    return overflow();
                }
            }
        }
        if (scope.empty()) {
            result.outcome = promotion_outcome::not_in_cart;
        } else if (scope_subtotal < p.minimum_subtotal) {
            result.outcome = promotion_outcome::below_minimum;
        } else if (p.kind == promotion_kind::free_delivery) {
            for (auto i : scope) {
                const auto& vendor = in.lines[i].vendor_id;
                if (waived.insert(vendor).second) {
                    auto fee = in.delivery_fees.find(vendor);
                    result.delivery_waived += fee == in.delivery_fees.end() ? 0 : fee->second;
                }
            }
        } else {
            std::vector<std::int64_t> weights;
            std::int64_t base = 0;
            for (auto i : scope) {
                weights.push_back(remaining[i]);
                base += remaining[i];  // <= scope_subtotal: no overflow
            }
            if (base == 0) {
                result.outcome = promotion_outcome::nothing_to_discount;
            } else {
                auto amount =
                    p.kind == promotion_kind::percentage
                        ? scale_half_up(base, std::clamp<std::int64_t>(p.percent_off, 0, 100), 100)
                        : std::clamp<std::int64_t>(p.amount_off, 0, base);
                auto shares = allocate(amount, weights);
                for (std::size_t k = 0; k < scope.size(); ++k) {
                    remaining[scope[k]] -= shares[k];
                    discount[scope[k]] += shares[k];
                }
                result.discount = amount;
            }
        }
        out.promotions.push_back(std::move(result));
    }

    std::map<std::string, priced_vendor> vendors;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& l = in.lines[i];
        priced_line line{.line_id = l.line_id};
        line.totals.subtotal = subtotal[i];
        line.totals.discount = discount[i];
        line.totals.total = subtotal[i] - discount[i];
        line.totals.tax = included_tax(line.totals.total, in.tax_rate_bps);
        auto& v = vendors[l.vendor_id];
        v.vendor_id = l.vendor_id;
        if (!add_amounts(v.totals, line.totals)) {
            return overflow();
        }
        v.lines.push_back(std::move(line));
    }
    for (auto& [id, v] : vendors) {
        auto fee = in.delivery_fees.find(id);
        v.delivery_waived = waived.contains(id);
        std::int64_t delivery =
            v.delivery_waived || fee == in.delivery_fees.end() ? 0 : fee->second;
        amounts d{
            .delivery = delivery,
            .tax = included_tax(delivery, in.tax_rate_bps),
            .total = delivery};
        if (!add_amounts(v.totals, d) || !add_amounts(out.totals, v.totals)) {
            return overflow();
        }
        out.vendors.push_back(std::move(v));
    }
    return out;
}

boost::json::object totals_json(const amounts& a, std::string_view currency) {
    auto money = [&](std::int64_t amount) {
        return boost::json::object{{"amount", amount}, {"currency", currency}};
    };
    return {
        {"subtotal", money(a.subtotal)}, {"discount", money(a.discount)},
        {"delivery", money(a.delivery)}, {"tax", money(a.tax)},
        {"total", money(a.total)},
    };
}

void write_totals(core::json::writer& w, const amounts& a, std::string_view currency) {
    w.begin_object();
    for (const auto& [name, amount] : {
             std::pair{"subtotal", a.subtotal},
             std::pair{"discount", a.discount},
             std::pair{"delivery", a.delivery},
             std::pair{"tax", a.tax},
             std::pair{"total", a.total},
         }) {
        w.key(name).begin_object().key("amount").number(amount).key("currency").string(currency);
        w.end_object();
    }
    w.end_object();
}

}  // namespace shopping
