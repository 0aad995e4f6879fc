-- Carts, their line items and promotions (docs/pricing.md). User, product, variant and vendor ids belong to other
-- modules: no foreign keys across modules. A guest cart keeps only the SHA-256 of its token.
CREATE TABLE carts (
    id TEXT COLLATE "C" PRIMARY KEY,              -- cart_...
    currency TEXT NOT NULL,                       -- ISO 4217
    customer_id TEXT,                             -- usr_... of a customer's cart; NULL for a guest cart
    token_hash TEXT,                              -- hex SHA-256 of a guest cart's X-Cart-Token; NULL for a customer's
    email TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'merged', 'completed')),
    merged_into TEXT,                             -- cart_... a merged guest cart went into
    order_id TEXT,                                -- ord_... of a completed cart
    version BIGINT NOT NULL DEFAULT 1,            -- bumped by every change; a checkout quote names it
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX carts_customer ON carts (customer_id, status, currency, updated_at_ms);

-- One line per variant and cart; unit_amount is the price when the line was added (or its quantity last set).
CREATE TABLE cart_items (
    id TEXT COLLATE "C" PRIMARY KEY,              -- item_...
    cart_id TEXT NOT NULL REFERENCES carts (id),
    variant_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL,
    title TEXT NOT NULL,
    sku TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',           -- JSON object
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_amount BIGINT NOT NULL CHECK (unit_amount >= 0),
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    UNIQUE (cart_id, variant_id)
);

-- Admin-managed promotions: with a code (applied by the customer) or automatic (code NULL).
CREATE TABLE promotions (
    id TEXT COLLATE "C" PRIMARY KEY,              -- promo_...
    code TEXT UNIQUE,                             -- upper-case; NULL = automatic
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('percentage', 'fixed_amount', 'free_delivery')),
    percent_off BIGINT CHECK (percent_off BETWEEN 1 AND 100),
    amount_off BIGINT CHECK (amount_off > 0),
    currency TEXT,                                -- of amount_off and minimum_subtotal; only carts in it
    minimum_subtotal BIGINT NOT NULL DEFAULT 0 CHECK (minimum_subtotal >= 0),
    vendor_id TEXT,                               -- vnd_...; NULL = platform-wide
    starts_at_ms BIGINT,
    ends_at_ms BIGINT,
    usage_limit BIGINT CHECK (usage_limit > 0),
    usage_limit_per_customer BIGINT CHECK (usage_limit_per_customer > 0),
    times_used BIGINT NOT NULL DEFAULT 0 CHECK (times_used >= 0),
    status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX promotions_automatic ON promotions (status, code);

CREATE TABLE cart_promotions (
    cart_id TEXT NOT NULL REFERENCES carts (id),
    promotion_id TEXT NOT NULL REFERENCES promotions (id),
    applied_at_ms BIGINT NOT NULL,
    PRIMARY KEY (cart_id, promotion_id)
);

-- Redemptions per customer (usr_... or the lower-cased email of a guest): the per-customer limit is a conditional
-- UPDATE of `used`, atomic on both databases.
CREATE TABLE promotion_usage (
    promotion_id TEXT NOT NULL REFERENCES promotions (id),
    customer_key TEXT NOT NULL,
    used BIGINT NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (promotion_id, customer_key)
);

CREATE TABLE promotion_redemptions (
    promotion_id TEXT NOT NULL REFERENCES promotions (id),
    cart_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    customer_key TEXT,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (promotion_id, cart_id)
);
