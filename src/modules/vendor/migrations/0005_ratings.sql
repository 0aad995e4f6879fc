-- Rating aggregates of products and stores, copied from the customer module's review.* events. `rating_version` is
-- the aggregate's version in the customer module: an event carrying an older version than the stored one is stale.
ALTER TABLE products ADD COLUMN rating_average DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN rating_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN rating_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE vendors ADD COLUMN rating_average DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE vendors ADD COLUMN rating_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE vendors ADD COLUMN rating_version BIGINT NOT NULL DEFAULT 0;
