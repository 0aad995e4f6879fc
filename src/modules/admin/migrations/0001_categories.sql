-- The platform's category tree, edited by admins. Products of the vendor module refer to categories by id without a
-- foreign key (module boundary); the vendor module clears references to a deleted category on category.deleted.
CREATE TABLE categories (
    id TEXT PRIMARY KEY,                          -- cat_...
    parent_id TEXT REFERENCES categories (id),    -- NULL = a root
    handle TEXT NOT NULL UNIQUE,                  -- [a-z0-9] words joined by dashes
    name TEXT NOT NULL,
    description TEXT,
    position INTEGER NOT NULL DEFAULT 0,          -- order among siblings
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX categories_parent ON categories (parent_id, position);
