-- Orders placed at checkout: one order per cart, one sub-order per vendor, the items with the prices
-- they were sold at, and every status change. Amounts are minor units of the order's currency.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,                          -- ord_...
    customer_id TEXT,                             -- the user, NULL for a guest's order
    cart_id TEXT NOT NULL UNIQUE,                 -- one order per cart
    email TEXT,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,                         -- order_model.hpp: order_status
    payment_method TEXT NOT NULL,                 -- cod | ...
    payment_status TEXT NOT NULL,                 -- pending | authorized | captured | refunded | failed
    delivery_method TEXT NOT NULL,                -- courier | pickup
    shipping_address TEXT NOT NULL,               -- JSON {line1, city, country, lat, lng, ...}
    subtotal BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    delivery_fee BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    total BIGINT NOT NULL,
    promotion_ids TEXT NOT NULL DEFAULT '[]',     -- JSON array of promo_ ids
    reserved_until_ms BIGINT,                     -- unpaid orders release their stock after this
    version BIGINT NOT NULL DEFAULT 1,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id, id);
CREATE INDEX orders_unpaid ON orders (status, reserved_until_ms);

CREATE TABLE sub_orders (
    id TEXT PRIMARY KEY,                          -- sub_...
    order_id TEXT NOT NULL REFERENCES orders (id),
    vendor_id TEXT NOT NULL,                      -- vnd_... of the vendor module (no foreign key)
    status TEXT NOT NULL,                         -- order_model.hpp: sub_order_status
    delivery_method TEXT NOT NULL,
    distance_m BIGINT,                            -- courier: pickup location to the address
    subtotal BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    delivery_fee BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    total BIGINT NOT NULL,
    reason TEXT,                                  -- of a rejection or cancellation
    version BIGINT NOT NULL DEFAULT 1,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX sub_orders_order ON sub_orders (order_id, id);
CREATE INDEX sub_orders_vendor ON sub_orders (vendor_id, id);
CREATE INDEX sub_orders_vendor_status ON sub_orders (vendor_id, status, id);

CREATE TABLE order_items (
    id TEXT PRIMARY KEY,                          -- oitem_...
    order_id TEXT NOT NULL REFERENCES orders (id),
    sub_order_id TEXT NOT NULL REFERENCES sub_orders (id),
    product_id TEXT NOT NULL,
    variant_id TEXT NOT NULL,
    title TEXT NOT NULL,
    sku TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_amount BIGINT NOT NULL,
    subtotal BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    total BIGINT NOT NULL
);
CREATE INDEX order_items_sub_order ON order_items (sub_order_id, id);
CREATE INDEX order_items_product ON order_items (order_id, product_id);

-- Every transition of an order or a sub-order (sub_order_id NULL: the order's own status).
CREATE TABLE order_history (
    id TEXT PRIMARY KEY,                          -- ohis_...
    order_id TEXT NOT NULL REFERENCES orders (id),
    seq BIGINT NOT NULL,                          -- 1, 2, ... within the order (its row is locked)
    sub_order_id TEXT,
    from_status TEXT,                             -- NULL for the first status
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,                          -- customer | vendor | system, see actor_id
    actor_id TEXT,                                -- the user who made the change
    reason TEXT,
    at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX order_history_order ON order_history (order_id, seq);
