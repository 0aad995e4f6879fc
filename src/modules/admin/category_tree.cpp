#include <algorithm>
#include <tuple>

#include "modules/admin/categories.hpp"

namespace admin {

category_tree::category_tree(std::vector<category> all) {
    // Siblings by position, then name; id breaks ties so the order is total.
    std::sort(all.begin(), all.end(), [](const category& a, const category& b) {
        return std::tie(a.position, a.name, a.id) < std::tie(b.position, b.name, b.id);
    });
    std::unordered_map<std::string_view, std::size_t> input_index;
    for (std::size_t i = 0; i < all.size(); ++i) {
        input_index.emplace(all[i].id, i);
    }
    std::vector<std::vector<std::size_t>> input_children(all.size());
    std::vector<std::size_t> roots;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto& parent = all[i].parent_id;
        auto it = parent ? input_index.find(*parent) : input_index.end();
        if (it == input_index.end() || it->second == i) {
            roots.push_back(i);
        } else {
            input_children[it->second].push_back(i);
        }
    }
    // Depth-first from the roots: parents before children, each subtree together. A category the
    // walk never reaches (its parents form a cycle, which the service prevents) becomes a root.
    std::vector<bool> placed(all.size(), false);
    std::vector<std::size_t> order;
    order.reserve(all.size());
    auto walk = [&](std::size_t start) {
        std::vector<std::size_t> stack{start};
        while (!stack.empty()) {
            auto i = stack.back();
            stack.pop_back();
            if (placed[i]) {
                continue;
            }
            placed[i] = true;
            order.push_back(i);
            const auto& kids = input_children[i];
            for (auto k = kids.rbegin(); k != kids.rend(); ++k) {
                stack.push_back(*k);
            }
        }
    };
    for (auto r : roots) {
        walk(r);
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (!placed[i]) {
            all[i].parent_id.reset();
            walk(i);
        }
    }
    all_.reserve(all.size());
    for (auto i : order) {
        all_.push_back(std::move(all[i]));
    }
    children_.resize(all_.size());
    for (std::size_t i = 0; i < all_.size(); ++i) {
        by_id_.emplace(all_[i].id, i);
        by_handle_.emplace(all_[i].handle, i);
    }
    for (std::size_t i = 0; i < all_.size(); ++i) {
        const auto& parent = all_[i].parent_id;
        if (!parent) {
            roots_.push_back(i);
            continue;
        }
        auto it = by_id_.find(*parent);
        if (it == by_id_.end()) {
            roots_.push_back(i);
        } else {
            children_[it->second].push_back(i);
        }
    }
}

const category* category_tree::find(std::string_view id) const {
    auto it = by_id_.find(std::string{id});
    return it == by_id_.end() ? nullptr : &all_[it->second];
}

const category* category_tree::find_by_handle(std::string_view handle) const {
    auto it = by_handle_.find(std::string{handle});
    return it == by_handle_.end() ? nullptr : &all_[it->second];
}

std::vector<const category*> category_tree::roots() const {
    std::vector<const category*> out;
    out.reserve(roots_.size());
    for (auto i : roots_) {
        out.push_back(&all_[i]);
    }
    return out;
}

std::vector<const category*> category_tree::children(std::string_view id) const {
    std::vector<const category*> out;
    auto it = by_id_.find(std::string{id});
    if (it == by_id_.end()) {
        return out;
    }
    for (auto i : children_[it->second]) {
        out.push_back(&all_[i]);
    }
    return out;
}

std::vector<std::string> category_tree::self_and_descendants(std::string_view id) const {
    std::vector<std::string> out;
    auto it = by_id_.find(std::string{id});
    if (it == by_id_.end()) {
        return out;
    }
    std::vector<std::size_t> stack{it->second};
    while (!stack.empty()) {
        auto i = stack.back();
        stack.pop_back();
        out.push_back(all_[i].id);
        const auto& kids = children_[i];
        for (auto k = kids.rbegin(); k != kids.rend(); ++k) {
            stack.push_back(*k);
        }
    }
    return out;
}

std::vector<const category*> category_tree::path(std::string_view id) const {
    std::vector<const category*> out;
    const category* at = find(id);
    // The constructor broke any cycle, so a walk up ends within all_.size() steps.
    while (at != nullptr && out.size() <= all_.size()) {
        out.push_back(at);
        at = at->parent_id ? find(*at->parent_id) : nullptr;
    }
    std::reverse(out.begin(), out.end());
    return out;
}

}  // namespace admin
