-- The storefront's read model: built from vendor::catalog snapshots by the shopping module's event handlers, never
-- written by anything else. Only visible products (published, of an active store) have rows, so no query filters on
-- status. Narrow rows carry what lists filter and sort on; the pre-rendered JSON they answer with is kept apart.

-- Stores in every status (only `active` ones are shown), with the pre-rendered store page.
CREATE TABLE shop_stores (
    id TEXT PRIMARY KEY,                          -- vnd_...
    handle TEXT NOT NULL,
    status TEXT NOT NULL,                         -- pending | active | rejected | suspended
    document TEXT NOT NULL,                       -- the store page JSON
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX shop_stores_by_handle ON shop_stores (handle);

CREATE TABLE shop_products (
    doc INTEGER PRIMARY KEY,                      -- rowid of the product in shop_fts
    id TEXT NOT NULL UNIQUE,                      -- prod_...
    vendor_id TEXT NOT NULL,
    vendor_handle TEXT NOT NULL,
    vendor_name TEXT NOT NULL,
    handle TEXT NOT NULL,                         -- unique per store
    category_id TEXT,
    in_stock INTEGER NOT NULL,                    -- 1 when a variant can be sold
    rating DOUBLE PRECISION NOT NULL,
    published_at_ms BIGINT NOT NULL,
    indexed_at_ms BIGINT NOT NULL
);
CREATE INDEX shop_products_newest ON shop_products (published_at_ms, id);
CREATE INDEX shop_products_rating ON shop_products (rating, id);
CREATE INDEX shop_products_category ON shop_products (category_id, published_at_ms, id);
CREATE INDEX shop_products_vendor ON shop_products (vendor_id, published_at_ms, id);
CREATE INDEX shop_products_handle ON shop_products (handle, vendor_handle);

-- What a product answers with, apart from the narrow rows above that filters and sorts scan: the pre-rendered list
-- item and product page, and the normalised search text per field (exactly as given to shop_fts, whose 'delete'
-- command needs it back).
CREATE TABLE shop_documents (
    product_id TEXT PRIMARY KEY,
    item TEXT NOT NULL,                           -- list item JSON
    detail TEXT NOT NULL,                         -- product page JSON
    fts_title TEXT NOT NULL,
    fts_tags TEXT NOT NULL,
    fts_attrs TEXT NOT NULL,
    fts_vendor TEXT NOT NULL,
    fts_body TEXT NOT NULL
);

-- Lowest and highest variant price per currency: what price filters, sorts and buckets use.
CREATE TABLE shop_prices (
    product_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    min_amount BIGINT NOT NULL,
    max_amount BIGINT NOT NULL,
    PRIMARY KEY (product_id, currency)
) WITHOUT ROWID;
CREATE INDEX shop_prices_by_amount ON shop_prices (currency, min_amount, product_id);

-- Facet values: kind 'a' = attribute (name, value), kind 't' = tag (name '', value).
CREATE TABLE shop_facets (
    product_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (product_id, kind, name, value)
) WITHOUT ROWID;
CREATE INDEX shop_facets_by_value ON shop_facets (kind, name, value, product_id);

-- Every indexed search term with the number of products that contain it: the vocabulary typo correction picks from.
CREATE TABLE shop_terms (
    term TEXT PRIMARY KEY,
    docs BIGINT NOT NULL
) WITHOUT ROWID;

-- Full text over pre-tokenised text (src/modules/shopping/search_text.cpp does the tokenising, stemming and folding
-- on both profiles); the ascii tokenizer splits only on ASCII non-alphanumerics, exactly as the tokens were made.
CREATE VIRTUAL TABLE shop_fts USING fts5 (
    title, tags, attrs, vendor, body,
    content = '',
    prefix = '2 3',
    tokenize = 'ascii'
);
