-- Each product's facet values in one column (src/modules/shopping/model.cpp encode_facets): a
-- search counts its facets from this column of its matches, in process, instead of joining and
-- grouping shop_facets. The read model is derived, so existing rows are filled by a full rebuild,
-- requested here through the outbox like `trader seed` does (when there is anything to rebuild).
ALTER TABLE shop_products ADD COLUMN facets TEXT NOT NULL DEFAULT '';
INSERT INTO events (id, type, aggregate_id, data, created_at_ms)
SELECT 'evt_00000000000000_shopping_0002', 'catalog.reindex_requested', 'catalog', '{}', 0
WHERE EXISTS (SELECT 1 FROM shop_products);
