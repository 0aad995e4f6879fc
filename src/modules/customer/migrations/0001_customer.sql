-- The customer area: saved addresses, the wishlist and product reviews. User, order and product ids belong to other
-- modules (identity, shopping, vendor): no foreign keys across modules, this module only stores them.

-- One row per customer who saved something: writes of one customer take its row lock first, so limits and "exactly
-- one default address" hold under concurrent requests on PostgreSQL (SQLite serialises writers anyway).
CREATE TABLE customers (
    user_id TEXT PRIMARY KEY,                     -- usr_...
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE TABLE customer_addresses (
    id TEXT PRIMARY KEY,                          -- addr_..., time-sortable
    user_id TEXT NOT NULL,
    label TEXT NOT NULL,                          -- "Home", "Office"
    name TEXT NOT NULL,                           -- the recipient
    line1 TEXT NOT NULL,
    line2 TEXT,
    city TEXT NOT NULL,
    postal_code TEXT,
    country TEXT NOT NULL,                        -- ISO 3166-1 alpha-2
    phone TEXT,                                   -- E.164
    lat DOUBLE PRECISION NOT NULL CHECK (lat >= -90 AND lat <= 90),
    lng DOUBLE PRECISION NOT NULL CHECK (lng >= -180 AND lng <= 180),
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX customer_addresses_user ON customer_addresses (user_id, id);
-- At most one default per customer (the service keeps exactly one while any address exists).
CREATE UNIQUE INDEX customer_addresses_default ON customer_addresses (user_id) WHERE is_default = 1;

CREATE TABLE wishlist_items (
    id TEXT PRIMARY KEY,                          -- wish_..., time-sortable: the list's order
    user_id TEXT NOT NULL,
    product_id TEXT NOT NULL,                     -- prod_... of the vendor module
    created_at_ms BIGINT NOT NULL,
    UNIQUE (user_id, product_id)
);
CREATE INDEX wishlist_items_user ON wishlist_items (user_id, id);

-- A review of a delivered product of one of the reviewer's orders: one per product per order.
CREATE TABLE reviews (
    id TEXT PRIMARY KEY,                          -- rev_..., time-sortable
    user_id TEXT NOT NULL,
    order_id TEXT NOT NULL,                       -- ord_... of the shopping module
    sub_order_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL,                      -- the store that sold it
    rating INTEGER NOT NULL CHECK (rating >= 1 AND rating <= 5),
    title TEXT,
    body TEXT NOT NULL,
    reply_body TEXT,                              -- the store's public answer
    reply_by TEXT,                                -- usr_... of the store member who wrote it
    replied_at_ms BIGINT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    UNIQUE (order_id, product_id)
);
CREATE INDEX reviews_product ON reviews (product_id, id);
CREATE INDEX reviews_vendor ON reviews (vendor_id, id);
CREATE INDEX reviews_user ON reviews (user_id, id);

-- Rating aggregates per product and per store, recomputed from `reviews` in every review write. `version` grows with
-- each write, so the vendor module (which copies them via review.* events) ignores an older event delivered late.
CREATE TABLE review_aggregates (
    scope TEXT NOT NULL CHECK (scope IN ('product', 'vendor')),
    subject_id TEXT NOT NULL,                     -- prod_... or vnd_...
    rating_sum BIGINT NOT NULL DEFAULT 0,
    rating_count BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 0,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (scope, subject_id)
);
