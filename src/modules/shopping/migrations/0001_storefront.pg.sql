-- The storefront's read model: built from vendor::catalog snapshots by the shopping module's event handlers, never
-- written by anything else. Only visible products (published, of an active store) have rows, so no query filters on
-- status. Narrow rows carry what lists filter and sort on; the pre-rendered JSON they answer with is kept apart.
-- Text keys use the C collation so that ordering and cursors compare bytes, as on SQLite.

-- Stores in every status (only `active` ones are shown), with the pre-rendered store page.
CREATE TABLE shop_stores (
    id TEXT COLLATE "C" PRIMARY KEY,              -- vnd_...
    handle TEXT COLLATE "C" NOT NULL,
    status TEXT NOT NULL,                         -- pending | active | rejected | suspended
    document TEXT NOT NULL,                       -- the store page JSON
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX shop_stores_by_handle ON shop_stores (handle);

CREATE TABLE shop_products (
    id TEXT COLLATE "C" PRIMARY KEY,              -- prod_...
    vendor_id TEXT COLLATE "C" NOT NULL,
    vendor_handle TEXT COLLATE "C" NOT NULL,
    vendor_name TEXT NOT NULL,
    handle TEXT COLLATE "C" NOT NULL,             -- unique per store
    category_id TEXT COLLATE "C",
    in_stock INTEGER NOT NULL,                    -- 1 when a variant can be sold
    rating DOUBLE PRECISION NOT NULL,
    published_at_ms BIGINT NOT NULL,
    -- Built by src/modules/shopping/search_text.cpp from the tokens in shop_documents, with weights (title A, tags
    -- and store name B, attributes C, description D), so both profiles search the same terms.
    search tsvector NOT NULL,
    indexed_at_ms BIGINT NOT NULL
);
CREATE INDEX shop_products_newest ON shop_products (published_at_ms, id);
CREATE INDEX shop_products_rating ON shop_products (rating, id);
CREATE INDEX shop_products_category ON shop_products (category_id, published_at_ms, id);
CREATE INDEX shop_products_vendor ON shop_products (vendor_id, published_at_ms, id);
CREATE INDEX shop_products_handle ON shop_products (handle, vendor_handle);
CREATE INDEX shop_products_search ON shop_products USING gin (search);

-- What a product answers with, apart from the narrow rows above that filters and sorts scan: the pre-rendered list
-- item and product page, and the normalised search text per field.
CREATE TABLE shop_documents (
    product_id TEXT COLLATE "C" PRIMARY KEY,
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
    product_id TEXT COLLATE "C" NOT NULL,
    currency TEXT COLLATE "C" NOT NULL,
    min_amount BIGINT NOT NULL,
    max_amount BIGINT NOT NULL,
    PRIMARY KEY (product_id, currency)
);
CREATE INDEX shop_prices_by_amount ON shop_prices (currency, min_amount, product_id);

-- Facet values: kind 'a' = attribute (name, value), kind 't' = tag (name '', value).
CREATE TABLE shop_facets (
    product_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (product_id, kind, name, value)
);
CREATE INDEX shop_facets_by_value ON shop_facets (kind, name, value, product_id);

-- Every indexed search term with the number of products that contain it: the vocabulary typo correction picks from.
CREATE TABLE shop_terms (
    term TEXT COLLATE "C" PRIMARY KEY,
    docs BIGINT NOT NULL
);
