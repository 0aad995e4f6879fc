-- Uploaded product images: the content-addressed media key (rows with the same bytes share it, so a file is
-- removed only with its last row), the pixel size sniffed at upload, and when alt or position last changed.
ALTER TABLE product_images ADD COLUMN media_key TEXT;
ALTER TABLE product_images ADD COLUMN width INTEGER;
ALTER TABLE product_images ADD COLUMN height INTEGER;
ALTER TABLE product_images ADD COLUMN updated_at_ms BIGINT;
CREATE INDEX product_images_media_key ON product_images (media_key);
