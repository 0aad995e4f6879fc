#include "modules/shopping/delivery.hpp"

#include <charconv>
#include <cmath>
#include <numbers>

namespace shopping {
namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

core::result<std::vector<delivery_band>> parse_delivery_fees(std::string_view text) {
    std::vector<delivery_band> out;
    text = trimmed(text);
    if (text.empty()) {
        return out;
    }
    auto bad = [](std::string why) { return core::fail(core::errc::invalid, std::move(why)); };
    while (true) {
        auto comma = text.find(',');
        auto item = trimmed(text.substr(0, comma));
        auto colon = item.find(':');
        if (colon == std::string_view::npos) {
            return bad("each band must be <km>:<fee>, e.g. 3:299");
        }
        auto km_text = trimmed(item.substr(0, colon));
        auto fee_text = trimmed(item.substr(colon + 1));
        delivery_band band;
        auto [kp, kerr] =
            std::from_chars(km_text.data(), km_text.data() + km_text.size(), band.max_km);
        auto [fp, ferr] =
            std::from_chars(fee_text.data(), fee_text.data() + fee_text.size(), band.fee);
        if (kerr != std::errc{} || kp != km_text.data() + km_text.size() || ferr != std::errc{} ||
            fp != fee_text.data() + fee_text.size()) {
            return bad("each band must be <km>:<fee> with a number of km and a whole fee");
        }
        if (!std::isfinite(band.max_km) || band.max_km <= 0 || band.max_km > 20000) {
            return bad("distances must be above 0 and at most 20000 km");
        }
        if (band.fee < 0 || band.fee > 100'000'000) {
            return bad("fees must be 0-100000000 minor units");
        }
        if (!out.empty() && band.max_km <= out.back().max_km) {
            return bad("distances must increase from band to band");
        }
        if (out.size() == 50) {
            return bad("at most 50 bands");
        }
        out.push_back(band);
        if (comma == std::string_view::npos) {
            break;
        }
        text.remove_prefix(comma + 1);
    }
    return out;
}

double distance_km(const vendor::location& a, const vendor::location& b) {
    constexpr double earth_radius_km = 6371.0088;
    constexpr double rad = std::numbers::pi / 180.0;
    double dlat = (b.lat - a.lat) * rad;
    double dlng = (b.lng - a.lng) * rad;
    double h =
        std::sin(dlat / 2) * std::sin(dlat / 2) +
        std::cos(a.lat * rad) * std::cos(b.lat * rad) * std::sin(dlng / 2) * std::sin(dlng / 2);
    return 2 * earth_radius_km * std::asin(std::min(1.0, std::sqrt(h)));
}

std::optional<std::int64_t> delivery_fee(const std::vector<delivery_band>& table, double km) {
    for (const auto& band : table) {
        if (km <= band.max_km) {
            return band.fee;
        }
    }
    return std::nullopt;
}

}  // namespace shopping
