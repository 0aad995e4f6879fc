#include "modules/customer/account_cleanup.hpp"

namespace customer {

core::task<core::result<void>> account_cleanup::on_event(
    infra::db::transaction& tx, const infra::bus::event& e
) {
    if (e.type != "user.deleted" || e.aggregate_id.empty()) {
        co_return core::ok();
    }
    co_return co_await customers_.forget(tx, e.aggregate_id);
}

}  // namespace customer
