-- Products of the stores, with variants, prices per currency and images. Category ids belong to the admin module
-- (no foreign key); flexible data (tags, attributes, options) is JSON text, what is filtered on is a column.
CREATE TABLE products (
    id TEXT PRIMARY KEY,                          -- prod_..., time-sortable
    vendor_id TEXT NOT NULL REFERENCES vendors (id),
    handle TEXT NOT NULL,                         -- unique per store
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category_id TEXT,                             -- cat_... of the admin module
    tags TEXT NOT NULL DEFAULT '[]',              -- JSON array of strings
    attributes TEXT NOT NULL DEFAULT '{}',        -- JSON object: brand, material, colour, ...
    options TEXT NOT NULL DEFAULT '[]',           -- JSON array of {name, values}
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived', 'deleted')),
    published_at_ms BIGINT,                       -- first publication
    deleted_at_ms BIGINT,
    version BIGINT NOT NULL DEFAULT 1,            -- bumped by every change: the ETag for If-Match
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    UNIQUE (vendor_id, handle)
);
CREATE INDEX products_vendor_status ON products (vendor_id, status, id);
CREATE INDEX products_vendor ON products (vendor_id, id);
CREATE INDEX products_category ON products (category_id);

-- SKUs are unique per store, also across its deleted products (they stay reserved).
CREATE TABLE variants (
    id TEXT PRIMARY KEY,                          -- var_...
    product_id TEXT NOT NULL REFERENCES products (id),
    vendor_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',           -- JSON object: option name -> value
    weight_grams BIGINT,
    stock_on_hand BIGINT NOT NULL DEFAULT 0 CHECK (stock_on_hand >= 0),
    stock_reserved BIGINT NOT NULL DEFAULT 0 CHECK (stock_reserved >= 0),
    position INTEGER NOT NULL DEFAULT 0,          -- order within the product
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    UNIQUE (vendor_id, sku)
);
CREATE INDEX variants_product ON variants (product_id, position);

-- At most one price per currency and variant, in minor units.
CREATE TABLE variant_prices (
    variant_id TEXT NOT NULL REFERENCES variants (id),
    currency TEXT NOT NULL,                       -- ISO 4217
    amount BIGINT NOT NULL CHECK (amount >= 0),
    compare_at_amount BIGINT CHECK (compare_at_amount >= 0),
    PRIMARY KEY (variant_id, currency)
);

-- Filled by the image upload step; read by the catalog snapshots already.
CREATE TABLE product_images (
    id TEXT PRIMARY KEY,                          -- img_...
    product_id TEXT NOT NULL REFERENCES products (id),
    vendor_id TEXT NOT NULL,
    url TEXT NOT NULL,
    alt TEXT,
    content_type TEXT,
    size_bytes BIGINT,
    position INTEGER NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX product_images_product ON product_images (product_id, position);
