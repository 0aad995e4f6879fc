// What the orders side of the shopping module tells other modules about what a customer bought:
// reviews are allowed only for delivered items of the reviewer's own orders.
#pragma once

#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace shopping {

struct purchase {
    std::string order_id;
    std::string sub_order_id;
    std::string vendor_id;
    std::string product_id;
    std::optional<core::time_point> delivered_at;  // nullopt until the sub-order is delivered
};

class purchases {
public:
    virtual ~purchases() = default;

    // The user's purchase of a product in one of their orders; nullopt when the order is not
    // theirs or does not contain the product.
    virtual core::task<core::result<std::optional<purchase>>> purchase_of(
        infra::db::transaction& tx, std::string user_id, std::string order_id, std::string product_id
    ) = 0;
};

}  // namespace shopping
