// The platform's category tree as other modules see it. Admins edit it (/api/v1/admin/categories);
// vendors file products under it; the storefront filters by a category and its descendants.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"

namespace admin {

// Events: category.created | category.updated | category.deleted, data {category_id}.
namespace events {
inline constexpr std::string_view category_created = "category.created";
inline constexpr std::string_view category_updated = "category.updated";
inline constexpr std::string_view category_deleted = "category.deleted";
}  // namespace events

struct category {
    std::string id;  // cat_...
    std::optional<std::string> parent_id;
    std::string handle;  // unique, URL-safe
    std::string name;
    std::optional<std::string> description;
    int position = 0;  // order among siblings
    core::time_point created_at;
    core::time_point updated_at;
};

// An immutable copy of the whole tree: cheap to share, replaced on every change.
class category_tree {
public:
    explicit category_tree(std::vector<category> all);

    const std::vector<category>& all() const noexcept { return all_; }  // parents before children
    const category* find(std::string_view id) const;
    const category* find_by_handle(std::string_view handle) const;
    // `id` and every category below it; empty when there is no such category.
    std::vector<std::string> self_and_descendants(std::string_view id) const;
    // Root first, ending with `id`; empty when there is no such category.
    std::vector<const category*> path(std::string_view id) const;
    // Top-level categories, and the direct children of `id`, in display order (position, name).
    std::vector<const category*> roots() const;
    std::vector<const category*> children(std::string_view id) const;

private:
    std::vector<category> all_;
    std::unordered_map<std::string, std::size_t> by_id_;
    std::unordered_map<std::string, std::size_t> by_handle_;
    std::vector<std::vector<std::size_t>> children_;  // indexes into all_
    std::vector<std::size_t> roots_;
};

class categories {
public:
    virtual ~categories() = default;
    // The current tree, from a snapshot reloaded after each change (never stale after the change
    // returned).
    virtual core::task<core::result<std::shared_ptr<const category_tree>>> tree() = 0;
};

}  // namespace admin
