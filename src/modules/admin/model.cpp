#include "modules/admin/model.hpp"

namespace admin {
namespace {

boost::json::value optional_text(const std::optional<std::string>& s) {
    return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

boost::json::object node_json(const category_tree& tree, const category& c, int depth) {
    auto out = to_json(c);
    boost::json::array kids;
    // The service keeps the tree acyclic; the bound only protects the stack.
    if (depth < 64) {
        for (const auto* k : tree.children(c.id)) {
            kids.push_back(node_json(tree, *k, depth + 1));
        }
    }
    out["children"] = std::move(kids);
    return out;
}

}  // namespace

boost::json::object to_json(const category& c) {
    return {
        {"id", c.id},
        {"object", "category"},
        {"parent_id", optional_text(c.parent_id)},
        {"handle", c.handle},
        {"name", c.name},
        {"description", optional_text(c.description)},
        {"position", c.position},
        {"created_at", core::format_rfc3339(c.created_at)},
        {"updated_at", core::format_rfc3339(c.updated_at)},
    };
}

boost::json::array nested_json(const category_tree& tree) {
    boost::json::array out;
    for (const auto* r : tree.roots()) {
        out.push_back(node_json(tree, *r, 0));
    }
    return out;
}

}  // namespace admin
