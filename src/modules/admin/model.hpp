// The admin module's stored shapes and JSON: categories as admins and the storefront see them.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "modules/admin/categories.hpp"

namespace admin {

// Timestamps are stored as milliseconds since the epoch (BIGINT on both dialects).
inline std::int64_t to_ms(core::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline core::time_point from_ms(std::int64_t ms) {
    return core::time_point{std::chrono::milliseconds{ms}};
}

inline constexpr std::size_t max_handle_length = 100;
inline constexpr std::size_t max_name_length = 100;
inline constexpr std::size_t max_description_length = 1000;
inline constexpr int max_position = 100000;

// One page of a cursor-paginated list.
template <class T>
struct page {
    std::vector<T> items;
    std::optional<std::string> next_cursor;
};

// A category as admins edit it: {id, object: "category", parent_id, handle, name, ...}.
boost::json::object to_json(const category& c);
// The storefront's view: roots in display order, each with `children` nested the same way.
boost::json::array nested_json(const category_tree& tree);

}  // namespace admin
