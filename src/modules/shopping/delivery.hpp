// Courier delivery fees: the great-circle distance from a store's pickup location to the
// customer's address, looked up in a fee table of distance bands (TRADER_DELIVERY_FEES).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "modules/vendor/catalog.hpp"

namespace shopping {

// Up to `max_km` (inclusive) the fee is `fee` minor units of the cart's currency.
struct delivery_band {
    double max_km = 0;
    std::int64_t fee = 0;
};

// "3:299,8:499,15:799": bands with strictly increasing distances (km > 0, may have decimals) and
// fees >= 0. `invalid` naming the problem otherwise; an empty text is an empty table (courier
// delivery off).
core::result<std::vector<delivery_band>> parse_delivery_fees(std::string_view text);

// Haversine distance in kilometres on a sphere of radius 6371.0088 km (the mean Earth radius).
double distance_km(const vendor::location& a, const vendor::location& b);

// The fee of the first band that reaches `km`; nullopt beyond the last band (not deliverable).
std::optional<std::int64_t> delivery_fee(const std::vector<delivery_band>& table, double km);

}  // namespace shopping
