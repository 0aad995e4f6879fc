#include "modules/admin/category_service.hpp"

#include <functional>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/slug.hpp"

namespace admin {
namespace {

using core::errc;

core::error field_error(errc code, std::string pointer, std::string field_code, std::string msg) {
    auto detail = pointer.substr(1) + " " + msg;
    return core::error{
        code, std::move(detail), {{std::move(pointer), std::move(field_code), std::move(msg)}}};
}

core::error no_such_category() { return core::error{errc::not_found, "no such category"}; }

// Longest generated handle base: room for a -n suffix within max_handle_length.
constexpr std::size_t generated_handle_length = max_handle_length - 8;

}  // namespace

category_service::category_service(
    infra::db::database& db, const core::clock& clock, infra::bus::dispatcher& events
)
    : db_(db), clock_(clock), events_(events) {}

core::task<core::result<category>> category_service::create(
    core::principal /*admin*/, new_category c
) {
    auto body = std::bind_front(&category_service::create_tx, this, std::move(c));
    auto out =
        co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::serializable_write);
    if (out) {
        co_await changed();
    }
    co_return out;
}

core::task<core::result<category>> category_service::create_tx(
    new_category c, infra::db::transaction& tx
) {
    if (c.parent_id) {
        auto parent = co_await repo_.find(tx, *c.parent_id);
        if (!parent) {
            co_return std::move(parent).error();
        }
        if (!*parent) {
            co_return field_error(errc::invalid, "/parent_id", "not_found", "is not a category");
        }
    }
    std::string handle;
    if (c.handle) {
        auto taken = co_await repo_.handle_taken(tx, *c.handle, "");
        if (!taken) {
            co_return std::move(taken).error();
        }
        if (*taken) {
            co_return field_error(errc::conflict, "/handle", "taken", "is taken");
        }
        handle = *c.handle;
    } else {
        auto free = co_await free_handle(tx, c.name);
        if (!free) {
            co_return std::move(free).error();
        }
        handle = std::move(*free);
    }
    auto now = clock_.now();
    category made{
        .id = core::new_id("cat", now),
        .parent_id = std::move(c.parent_id),
        .handle = std::move(handle),
        .name = std::move(c.name),
        .description = std::move(c.description),
        .position = c.position,
        .created_at = now,
        .updated_at = now};
    auto inserted = co_await repo_.insert(tx, made);
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    auto appended = co_await append(tx, events::category_created, made.id);
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return made;
}

core::task<core::result<category>> category_service::update(
    core::principal /*admin*/, std::string id, category_patch p
) {
    if (!core::is_id(id, "cat")) {
        co_return no_such_category();
    }
    auto body = std::bind_front(&category_service::update_tx, this, std::move(id), std::move(p));
    auto out =
        co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::serializable_write);
    if (out) {
        co_await changed();
    }
    co_return out;
}

core::task<core::result<category>> category_service::update_tx(
    std::string id, category_patch p, infra::db::transaction& tx
) {
    auto found = co_await repo_.find(tx, id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return no_such_category();
    }
    auto c = std::move(**found);
    bool changed = false;
    if (p.parent_id.present && p.parent_id.value != c.parent_id) {
        if (p.parent_id.value) {
            // Walk up from the new parent: meeting the category itself would close a cycle.
            std::optional<std::string> at = *p.parent_id.value;
            auto exists = co_await repo_.find(tx, *at);
            if (!exists) {
                co_return std::move(exists).error();
            }
            if (!*exists) {
                co_return field_error(
                    errc::invalid, "/parent_id", "not_found", "is not a category"
                );
            }
            for (int steps = 0; at && steps < 10000; ++steps) {
                if (*at == id) {
                    co_return field_error(
                        errc::invalid, "/parent_id", "cycle",
                        "must not be the category itself or one of its descendants"
                    );
                }
                auto up = co_await repo_.parent_of(tx, *at);
                if (!up) {
                    co_return std::move(up).error();
                }
                at = std::move(*up);
            }
        }
        c.parent_id = p.parent_id.value;
        changed = true;
    }
    if (p.handle && *p.handle != c.handle) {
        auto taken = co_await repo_.handle_taken(tx, *p.handle, id);
        if (!taken) {
            co_return std::move(taken).error();
        }
        if (*taken) {
            co_return field_error(errc::conflict, "/handle", "taken", "is taken");
        }
        c.handle = *p.handle;
        changed = true;
    }
    if (p.name && *p.name != c.name) {
        c.name = *p.name;
        changed = true;
    }
    if (p.description.present && p.description.value != c.description) {
        c.description = p.description.value;
        changed = true;
    }
    if (p.position && *p.position != c.position) {
        c.position = *p.position;
        changed = true;
    }
    if (!changed) {
        co_return c;
    }
    c.updated_at = clock_.now();
    auto updated = co_await repo_.update(tx, c);
    if (!updated) {
        co_return std::move(updated).error();
    }
    auto appended = co_await append(tx, events::category_updated, c.id);
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return c;
}

core::task<core::result<void>> category_service::remove(core::principal /*admin*/, std::string id) {
    if (!core::is_id(id, "cat")) {
        co_return no_such_category();
    }
    auto body = std::bind_front(&category_service::remove_tx, this, std::move(id));
    auto out =
        co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::serializable_write);
    if (out) {
        co_await changed();
    }
    co_return out;
}

core::task<core::result<void>> category_service::remove_tx(
    std::string id, infra::db::transaction& tx
) {
    auto found = co_await repo_.find(tx, id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return no_such_category();
    }
    auto children = co_await repo_.has_children(tx, id);
    if (!children) {
        co_return std::move(children).error();
    }
    if (*children) {
        co_return core::fail(
            errc::conflict, "the category has subcategories: move or delete them first"
        );
    }
    auto removed = co_await repo_.remove(tx, id);
    if (!removed) {
        co_return std::move(removed).error();
    }
    co_return co_await append(tx, events::category_deleted, id);
}

core::task<core::result<category>> category_service::get(std::string id) {
    if (!core::is_id(id, "cat")) {
        co_return no_such_category();
    }
    auto tx = co_await db_.begin(infra::db::tx_mode::read);
    if (!tx) {
        co_return std::move(tx).error();
    }
    auto found = co_await repo_.find(**tx, std::move(id));
    (void)co_await (*tx)->rollback();
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return no_such_category();
    }
    co_return std::move(**found);
}

core::task<core::result<page<category>>> category_service::list(
    std::optional<std::string> before_id, int limit
) {
    auto tx = co_await db_.begin(infra::db::tx_mode::read);
    if (!tx) {
        co_return std::move(tx).error();
    }
    auto rows = co_await repo_.page(**tx, std::move(before_id), limit + 1);
    (void)co_await (*tx)->rollback();
    if (!rows) {
        co_return std::move(rows).error();
    }
    page<category> out;
    out.items = std::move(*rows);
    if (out.items.size() > static_cast<std::size_t>(limit)) {
        out.items.resize(static_cast<std::size_t>(limit));
        out.next_cursor = core::encode_cursor(out.items.back().id);
    }
    co_return out;
}

core::task<core::result<std::shared_ptr<const category_tree>>> category_service::tree() {
    auto generation = generation_.load(std::memory_order_acquire);
    {
        std::lock_guard lock{mutex_};
        if (tree_ && tree_generation_ == generation) {
            co_return tree_;
        }
    }
    auto tx = co_await db_.begin(infra::db::tx_mode::read);
    if (!tx) {
        co_return std::move(tx).error();
    }
    auto all = co_await repo_.all(**tx);
    (void)co_await (*tx)->rollback();
    if (!all) {
        co_return std::move(all).error();
    }
    auto loaded = std::make_shared<const category_tree>(std::move(*all));
    {
        // A load that began before a newer change still serves its caller, but is only kept when
        // no newer load was stored meanwhile.
        std::lock_guard lock{mutex_};
        if (generation >= tree_generation_) {
            tree_ = loaded;
            tree_generation_ = generation;
        }
    }
    co_return loaded;
}

core::task<core::result<void>> category_service::on_event(
    infra::db::transaction& /*tx*/, const infra::bus::event& e
) {
    if (e.type.starts_with("category.") || e.type == "catalog.reindex_requested") {
        invalidate();
    }
    co_return core::ok();
}

core::task<core::result<std::string>> category_service::free_handle(
    infra::db::transaction& tx, std::string name
) {
    auto base = core::slugify(name, generated_handle_length);
    if (base.empty()) {
        base = "category";
    }
    auto taken = co_await repo_.handles_like(tx, base);
    if (!taken) {
        co_return std::move(taken).error();
    }
    co_return core::first_free_handle(base, *taken, max_handle_length);
}

core::task<core::result<void>> category_service::append(
    infra::db::transaction& tx, std::string_view type, const std::string& id
) {
    boost::json::object data{{"category_id", id}};
    auto appended = co_await infra::bus::append(tx, clock_, std::string{type}, id, std::move(data));
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return core::ok();
}

core::task<void> category_service::changed() {
    invalidate();
    events_.notify();
    auto reloaded = co_await tree();
    if (!reloaded) {
        // The next tree() call tries again: the generation still differs.
        core::log::warn("could not reload the category tree")
            .field("cause", reloaded.error().detail);
    }
}

}  // namespace admin
