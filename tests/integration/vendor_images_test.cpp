// Product images on the vendor side: multipart uploads sniffed from their bytes (never from the
// part's Content-Type), size and count limits, content-addressed files served with immutable cache
// headers, reordering, deletion that keeps files other images still use, tenant isolation (404),
// and the storefront showing the images once the product.updated event is indexed.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>

#include "support/roles.hpp"
#include "support/storefront.hpp"
#include "support/trader.hpp"
#include "support/vendors.hpp"

namespace {

using test::bearer;
using test::expect_problem;

constexpr std::size_t max_bytes = 8192;  // TRADER_MEDIA_MAX_BYTES of the suite's server
const std::string boundary = "trader-test-7MA4YWxkTrZu0gW";

void put_be32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((v >> static_cast<unsigned>(shift)) & 0xFFU));
    }
}

std::uint32_t crc32(std::string_view data) {
    std::uint32_t c = 0xFFFFFFFFU;
    for (unsigned char b : data) {
        c ^= b;
        for (int k = 0; k < 8; ++k) {
            c = (c & 1U) != 0 ? (0xEDB88320U ^ (c >> 1U)) : (c >> 1U);
        }
    }
    return c ^ 0xFFFFFFFFU;
}

std::string png_chunk(std::string_view type, std::string_view data) {
    std::string out;
    put_be32(out, static_cast<std::uint32_t>(data.size()));
    std::string body = std::string{type} + std::string{data};
    out += body;
    put_be32(out, crc32(body));
    return out;
}

// A valid RGBA PNG of one colour, its pixels zlib-wrapped in one stored (uncompressed) block.
std::string png(std::uint32_t width, std::uint32_t height, unsigned char red = 0xC0) {
    std::string raw;
    for (std::uint32_t y = 0; y < height; ++y) {
        raw.push_back(0);  // filter: none
        for (std::uint32_t x = 0; x < width; ++x) {
            raw += {static_cast<char>(red), 0x40, 0x20, static_cast<char>(0xFF)};
        }
    }
    std::string z{"\x78\x01\x01", 3};  // zlib header, final stored block
    auto len = static_cast<std::uint16_t>(raw.size());
    auto nlen = static_cast<std::uint16_t>(~len);
    z +=
        {static_cast<char>(len & 0xFFU), static_cast<char>(len >> 8U),
         static_cast<char>(nlen & 0xFFU), static_cast<char>(nlen >> 8U)};
    z += raw;
    std::uint32_t a = 1;
    std::uint32_t b = 0;
    for (unsigned char c : raw) {
        a = (a + c) % 65521U;
        b = (b + a) % 65521U;
    }
    put_be32(z, (b << 16U) | a);
    std::string ihdr;
    put_be32(ihdr, width);
    put_be32(ihdr, height);
    ihdr += {8, 6, 0, 0, 0};  // 8 bits, RGBA, deflate, adaptive filters, no interlace
    return std::string{"\x89PNG\r\n\x1a\n", 8} + png_chunk("IHDR", ihdr) + png_chunk("IDAT", z) +
           png_chunk("IEND", "");
}

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) {
        out.push_back(static_cast<char>(v));
    }
    return out;
}

// A valid baseline JPEG: one grey 8x8 block shown as 1x1 pixel. Quantisation table of ones,
// Huffman tables with a single one-bit code each (DC difference 0, end of block).
std::string jpeg() {
    std::string out = bytes({0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x00});
    out += std::string(64, '\x01');
    out += bytes({0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00});
    for (int table_class : {0x00, 0x10}) {
        out += bytes({0xFF, 0xC4, 0x00, 0x14, table_class, 0x01});
        out += std::string(15, '\x00');
        out.push_back('\x00');
    }
    out += bytes({0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x3F, 0xFF, 0xD9});
    return out;
}

struct form_field {
    std::string name;
    std::string data;
    std::string filename;      // empty: a plain field
    std::string content_type;  // empty: none sent
};

std::string form(const std::vector<form_field>& fields) {
    std::string out;
    for (const auto& f : fields) {
        out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.name + "\"";
        if (!f.filename.empty()) {
            out += "; filename=\"" + f.filename + "\"";
        }
        out += "\r\n";
        if (!f.content_type.empty()) {
            out += "Content-Type: " + f.content_type + "\r\n";
        }
        out += "\r\n" + f.data + "\r\n";
    }
    out += "--" + boundary + "--\r\n";
    return out;
}

form_field file_field(std::string data, std::string type = "image/png") {
    return form_field{"file", std::move(data), "photo.png", std::move(type)};
}

std::string text(const boost::json::value& v, const char* key) {
    return std::string{v.at(key).as_string()};
}

std::string images_path(const std::string& product_id) {
    return "/api/v1/vendor/products/" + product_id + "/images";
}

class vendor_images : public test::admin_suite<vendor_images> {
public:
    static void configure(std::map<std::string, std::string>& env) {
        env["TRADER_MEDIA_MAX_BYTES"] = std::to_string(max_bytes);
    }

protected:
    test::http_response upload(
        const test::test_user& who, const std::string& product_id, const std::string& body
    ) {
        return http().request(
            "POST", images_path(product_id), body,
            {{"Authorization", "Bearer " + who.access_token},
             {"Content-Type", "multipart/form-data; boundary=" + boundary}}
        );
    }

    // Uploads and expects 201; the image.
    boost::json::object upload_ok(
        const test::test_user& who,
        const std::string& product_id,
        const std::vector<form_field>& fields
    ) {
        auto r = upload(who, product_id, form(fields));
        EXPECT_EQ(r.status, 201) << r.body;
        if (r.status != 201) {
            throw std::runtime_error("upload failed: " + r.body);
        }
        return r.json().as_object();
    }

    std::string new_product(const test::store_account& shop, const std::string& sku) {
        auto p = test::create_product(http(), shop.owner, test::product_body("Lamp " + sku, sku));
        return text(p, "id");
    }

    // Image ids of a product by position, from the vendor's list.
    std::vector<std::string> listed(const test::test_user& who, const std::string& product_id) {
        auto r = http().get(images_path(product_id), bearer(who.access_token));
        EXPECT_EQ(r.status, 200) << r.body;
        auto body = r.json();
        std::vector<std::string> ids;
        std::int64_t position = 0;
        for (const auto& item : body.at("items").as_array()) {
            EXPECT_EQ(item.at("position").as_int64(), position++);
            ids.push_back(text(item, "id"));
        }
        return ids;
    }

    std::int64_t image_rows(const std::string& product_id) {
        test::server_db db{*server_};
        return db.count("SELECT COUNT(*) FROM product_images WHERE product_id = $1", {product_id});
    }

    // Files in the media directory (the embedded profile's storage).
    std::size_t media_files() {
        auto dir = server_->dir() / "media";
        std::size_t n = 0;
        if (std::filesystem::exists(dir)) {
            for (const auto& e : std::filesystem::directory_iterator{dir}) {
                n += e.is_regular_file() ? 1 : 0;
            }
        }
        return n;
    }

};


TEST_F(vendor_images, uploads_png_and_jpeg_listed_on_the_product_and_served_immutable) {
    auto shop = test::open_store(*server_, *admin_, "Image Upload Shop");
    auto id = new_product(shop, "UPL");
    auto png_bytes = png(3, 2);
    auto jpeg_bytes = jpeg();

    // The part's declared type is ignored: the bytes say PNG.
    auto first = upload(
        shop.owner, id,
        form({file_field(png_bytes, "application/octet-stream"), form_field{"alt", "Front view"}})
    );
    ASSERT_EQ(first.status, 201) << first.body;
    auto img = first.json();
    auto img_id = text(img, "id");
    EXPECT_TRUE(img_id.starts_with("img_"));
    EXPECT_EQ(first.header("location"), images_path(id) + "/" + img_id);
    EXPECT_EQ(img.at("object"), "image");
    EXPECT_EQ(img.at("product_id"), boost::json::value(id));
    EXPECT_EQ(img.at("alt"), "Front view");
    EXPECT_EQ(img.at("content_type"), "image/png");
    EXPECT_EQ(img.at("width").as_int64(), 3);
    EXPECT_EQ(img.at("height").as_int64(), 2);
    EXPECT_EQ(img.at("size_bytes").as_int64(), static_cast<std::int64_t>(png_bytes.size()));
    EXPECT_EQ(img.at("position").as_int64(), 0);
    auto url = text(img, "url");
    EXPECT_TRUE(url.starts_with("/api/v1/media/")) << url;
    EXPECT_TRUE(url.ends_with(".png")) << url;

    auto second = upload_ok(shop.owner, id, {file_field(jpeg_bytes, "image/png")});
    EXPECT_EQ(second.at("content_type"), "image/jpeg");
    EXPECT_EQ(second.at("width").as_int64(), 1);
    EXPECT_EQ(second.at("height").as_int64(), 1);
    EXPECT_EQ(second.at("position").as_int64(), 1);
    EXPECT_TRUE(second.at("alt").is_null());

    EXPECT_EQ(listed(shop.owner, id), (std::vector<std::string>{img_id, text(second, "id")}));
    auto one = http().get(images_path(id) + "/" + img_id, bearer(shop.owner.access_token));
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(one.json().at("url"), boost::json::value(url));

    // The product detail carries them by position, and its version moved on.
    auto product = http().get("/api/v1/vendor/products/" + id, bearer(shop.owner.access_token));
    ASSERT_EQ(product.status, 200) << product.body;
    auto product_body = product.json();
    const auto& images = product_body.at("images").as_array();
    ASSERT_EQ(images.size(), 2U);
    EXPECT_EQ(images[0].at("id"), boost::json::value(img_id));
    EXPECT_EQ(images[0].at("url"), boost::json::value(url));
    EXPECT_EQ(images[0].at("alt"), "Front view");
    EXPECT_EQ(images[1].at("url"), second.at("url"));
    EXPECT_EQ(product_body.at("version").as_int64(), 3);
    EXPECT_EQ(
        test::event_types(*server_, id),
        (std::vector<std::string>{"product.created", "product.updated", "product.updated"})
    );

    auto served = http().get(url);
    ASSERT_EQ(served.status, 200);
    EXPECT_EQ(served.body, png_bytes);
    EXPECT_EQ(served.header("content-type"), "image/png");
    EXPECT_NE(served.header("cache-control").find("immutable"), std::string::npos)
        << served.header("cache-control");
    auto served_jpeg = http().get(text(second, "url"));
    ASSERT_EQ(served_jpeg.status, 200);
    EXPECT_EQ(served_jpeg.body, jpeg_bytes);
    EXPECT_EQ(served_jpeg.header("content-type"), "image/jpeg");
}

TEST_F(vendor_images, refuses_what_is_not_an_image_and_stores_nothing) {
    auto shop = test::open_store(*server_, *admin_, "Not An Image Shop");
    auto id = new_product(shop, "NAI");
    auto files = media_files();

    auto lie =
        upload(shop.owner, id, form({file_field("just some text, not pixels", "image/png")}));
    expect_problem(lie, 415, "unsupported-media-type");
    auto svg = upload(
        shop.owner, id,
        form(
            {file_field("<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "image/svg+xml")}
        )
    );
    expect_problem(svg, 415, "unsupported-media-type");
    auto truncated = upload(shop.owner, id, form({file_field(png(2, 2).substr(0, 20))}));
    expect_problem(truncated, 415, "unsupported-media-type");

    EXPECT_EQ(image_rows(id), 0);
    EXPECT_EQ(media_files(), files);
    EXPECT_EQ(test::event_types(*server_, id), (std::vector<std::string>{"product.created"}));
}

TEST_F(vendor_images, refuses_images_over_the_size_limit_with_413) {
    auto shop = test::open_store(*server_, *admin_, "Big Image Shop");
    auto id = new_product(shop, "BIG");
    auto files = media_files();

    // A real PNG just over TRADER_MEDIA_MAX_BYTES: refused by the service.
    auto big = png(50, 50);
    ASSERT_GT(big.size(), max_bytes);
    auto over = upload(shop.owner, id, form({file_field(big)}));
    expect_problem(over, 413, "payload-too-large");
    // A body declared beyond the route's limit is refused before it is read.
    auto reply = test::raw_exchange(
        server_->port(),
        "POST " + images_path(id) + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
            shop.owner.access_token + "\r\nContent-Type: multipart/form-data; boundary=" +
            boundary + "\r\nContent-Length: 2000000\r\n\r\n--"
    );
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 413")) << reply.substr(0, 200);
    EXPECT_NE(reply.find("payload-too-large"), std::string::npos);

    EXPECT_EQ(image_rows(id), 0);
    EXPECT_EQ(media_files(), files);
}

TEST_F(vendor_images, refuses_malformed_forms) {
    auto shop = test::open_store(*server_, *admin_, "Bad Form Shop");
    auto id = new_product(shop, "BAD");

    auto no_file = upload(shop.owner, id, form({form_field{"alt", "Nothing attached"}}));
    expect_problem(no_file, 422, "validation");
    EXPECT_NE(no_file.body.find("/file"), std::string::npos) << no_file.body;
    // A PNG header claiming 20000 x 1 pixels: over the 10000-pixel side limit.
    std::string wide_header;
    put_be32(wide_header, 20000);
    put_be32(wide_header, 1);
    wide_header += {8, 6, 0, 0, 0};
    auto wide = upload(
        shop.owner, id,
        form({file_field(std::string{"\x89PNG\r\n\x1a\n", 8} + png_chunk("IHDR", wide_header))})
    );
    expect_problem(wide, 422, "validation");
    EXPECT_NE(wide.body.find("dimensions"), std::string::npos) << wide.body;
    auto unknown =
        upload(shop.owner, id, form({file_field(png(1, 1)), form_field{"colour", "red"}}));
    expect_problem(unknown, 422, "validation");
    EXPECT_NE(unknown.body.find("/colour"), std::string::npos) << unknown.body;
    auto bad_position =
        upload(shop.owner, id, form({file_field(png(1, 1)), form_field{"position", "first"}}));
    expect_problem(bad_position, 422, "validation");
    auto long_alt = upload(
        shop.owner, id, form({file_field(png(1, 1)), form_field{"alt", std::string(501, 'a')}})
    );
    expect_problem(long_alt, 422, "validation");
    auto as_json = http().post_json(
        images_path(id), R"({"file": "iVBORw0KGgo="})", bearer(shop.owner.access_token)
    );
    expect_problem(as_json, 415, "unsupported-media-type");
    auto unterminated = http().request(
        "POST", images_path(id),
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"",
        {{"Authorization", "Bearer " + shop.owner.access_token},
         {"Content-Type", "multipart/form-data; boundary=" + boundary}}
    );
    expect_problem(unterminated, 400, "bad-request");

    EXPECT_EQ(image_rows(id), 0);
}

TEST_F(vendor_images, another_store_gets_404_and_customers_403) {
    auto owner = test::open_store(*server_, *admin_, "Image Owner Shop");
    auto other = test::open_store(*server_, *admin_, "Image Snooper Shop");
    auto customer = test::register_user(http(), "image-customer");
    auto id = new_product(owner, "OWN");
    auto img = upload_ok(owner.owner, id, {file_field(png(2, 2))});
    auto img_path = images_path(id) + "/" + text(img, "id");

    // Another store sees nothing, as if the product did not exist.
    expect_problem(upload(other.owner, id, form({file_field(png(2, 2))})), 404, "not-found");
    expect_problem(http().get(images_path(id), bearer(other.owner.access_token)), 404, "not-found");
    expect_problem(http().get(img_path, bearer(other.owner.access_token)), 404, "not-found");
    expect_problem(
        http().request(
            "PATCH", img_path, R"({"alt": "mine now"})",
            {{"Authorization", "Bearer " + other.owner.access_token},
             {"Content-Type", "application/json"}}
        ),
        404, "not-found"
    );
    expect_problem(
        http().request("DELETE", img_path, "", bearer(other.owner.access_token)), 404, "not-found"
    );

    // Customers are not vendors; nobody without a token gets in.
    expect_problem(upload(customer, id, form({file_field(png(2, 2))})), 403, "forbidden");
    expect_problem(http().get(images_path(id), bearer(customer.access_token)), 403, "forbidden");
    expect_problem(
        http().request("DELETE", img_path, "", bearer(customer.access_token)), 403, "forbidden"
    );
    expect_problem(http().get(images_path(id)), 401, "unauthenticated");

    EXPECT_EQ(listed(owner.owner, id), (std::vector<std::string>{text(img, "id")}));
    auto still = http().get(img_path, bearer(owner.owner.access_token));
    EXPECT_EQ(still.json().at("alt"), img.at("alt"));
}

TEST_F(vendor_images, unknown_images_and_products_are_404) {
    auto shop = test::open_store(*server_, *admin_, "Unknown Image Shop");
    auto id = new_product(shop, "UNK");
    auto auth = bearer(shop.owner.access_token);
    const std::string missing = "img_01jabcdefghjkmnpqrstvwxyz0";
    for (const auto& image_id : {missing, std::string{"nonsense"}}) {
        auto path = images_path(id) + "/" + image_id;
        expect_problem(http().get(path, auth), 404, "not-found");
        expect_problem(http().request("DELETE", path, "", auth), 404, "not-found");
        expect_problem(
            http().request(
                "PATCH", path, R"({"alt": "x"})",
                {{"Authorization", "Bearer " + shop.owner.access_token},
                 {"Content-Type", "application/json"}}
            ),
            404, "not-found"
        );
    }
    expect_problem(
        http().get(images_path("prod_01jabcdefghjkmnpqrstvwxyz0"), auth), 404, "not-found"
    );
    expect_problem(
        upload(shop.owner, "prod_01jabcdefghjkmnpqrstvwxyz0", form({file_field(png(1, 1))})), 404,
        "not-found"
    );
}

TEST_F(vendor_images, reorders_edits_and_deletes_keeping_shared_files) {
    auto shop = test::open_store(*server_, *admin_, "Reorder Image Shop");
    auto id = new_product(shop, "ORD");
    auto twin = new_product(shop, "TWN");
    auto a = text(upload_ok(shop.owner, id, {file_field(png(4, 4, 0x10))}), "id");
    auto b = text(upload_ok(shop.owner, id, {file_field(png(4, 4, 0x20))}), "id");
    // `position` inserts: the new image goes first.
    auto c_img =
        upload_ok(shop.owner, id, {file_field(png(4, 4, 0x30)), form_field{"position", "0"}});
    auto c = text(c_img, "id");
    EXPECT_EQ(c_img.at("position").as_int64(), 0);
    EXPECT_EQ(listed(shop.owner, id), (std::vector<std::string>{c, a, b}));

    auto json_headers = std::map<std::string, std::string>{
        {"Authorization", "Bearer " + shop.owner.access_token},
        {"Content-Type", "application/json"}};
    auto moved = http().request(
        "PATCH", images_path(id) + "/" + c, R"({"position": 2, "alt": "Side"})", json_headers
    );
    ASSERT_EQ(moved.status, 200) << moved.body;
    EXPECT_EQ(moved.json().at("position").as_int64(), 2);
    EXPECT_EQ(moved.json().at("alt"), "Side");
    EXPECT_EQ(listed(shop.owner, id), (std::vector<std::string>{a, b, c}));
    auto cleared =
        http().request("PATCH", images_path(id) + "/" + c, R"({"alt": null})", json_headers);
    ASSERT_EQ(cleared.status, 200) << cleared.body;
    EXPECT_TRUE(cleared.json().at("alt").is_null());
    expect_problem(
        http().request("PATCH", images_path(id) + "/" + c, R"({"position": -1})", json_headers),
        422, "validation"
    );
    expect_problem(
        http().request("PATCH", images_path(id) + "/" + c, R"({"caption": "x"})", json_headers),
        422, "validation"
    );

    // The same bytes on another product share one file.
    auto shared = upload_ok(shop.owner, twin, {file_field(png(4, 4, 0x10))});
    auto a_url =
        text(http().get(images_path(id) + "/" + a, bearer(shop.owner.access_token)).json(), "url");
    EXPECT_EQ(text(shared, "url"), a_url);

    auto auth = bearer(shop.owner.access_token);
    EXPECT_EQ(http().request("DELETE", images_path(id) + "/" + a, "", auth).status, 204);
    EXPECT_EQ(listed(shop.owner, id), (std::vector<std::string>{b, c}));
    expect_problem(http().get(images_path(id) + "/" + a, auth), 404, "not-found");
    expect_problem(http().request("DELETE", images_path(id) + "/" + a, "", auth), 404, "not-found");
    EXPECT_EQ(http().get(a_url).status, 200) << "the twin still shows these bytes";
    auto product = http().get("/api/v1/vendor/products/" + id, auth).json();
    EXPECT_EQ(product.at("images").as_array().size(), 2U);

    EXPECT_EQ(
        http().request("DELETE", images_path(twin) + "/" + text(shared, "id"), "", auth).status, 204
    );
    expect_problem(http().get(a_url), 404, "not-found");
    EXPECT_EQ(image_rows(twin), 0);
}

TEST_F(vendor_images, a_product_holds_at_most_ten_images) {
    auto shop = test::open_store(*server_, *admin_, "Full Image Shop");
    auto id = new_product(shop, "FUL");
    auto tiny = png(1, 1);
    for (int i = 0; i < 10; ++i) {
        upload_ok(shop.owner, id, {file_field(tiny)});
    }
    auto eleventh = upload(shop.owner, id, form({file_field(png(1, 1, 0x01))}));
    expect_problem(eleventh, 409, "conflict");
    EXPECT_EQ(image_rows(id), 10);
}

TEST_F(vendor_images, the_storefront_shows_images_of_a_published_product) {
    auto shop = test::open_store(*server_, *admin_, "Storefront Image Shop");
    auto id = new_product(shop, "STF");
    auto auth = bearer(shop.owner.access_token);
    auto published = http().request("POST", "/api/v1/vendor/products/" + id + "/publish", "", auth);
    ASSERT_EQ(published.status, 200) << published.body;
    auto img =
        upload_ok(shop.owner, id, {file_field(png(6, 3)), form_field{"alt", "On the shelf"}});
    test::wait_for_events(*server_);

    auto page = http().get("/api/v1/store/products/" + id);
    ASSERT_EQ(page.status, 200) << page.body;
    auto body = page.json();
    const auto& images = body.at("images").as_array();
    ASSERT_EQ(images.size(), 1U) << page.body;
    EXPECT_EQ(images[0].at("url"), img.at("url"));
    EXPECT_EQ(images[0].at("alt"), "On the shelf");

    ASSERT_EQ(
        http().request("DELETE", images_path(id) + "/" + text(img, "id"), "", auth).status, 204
    );
    test::wait_for_events(*server_);
    auto after = http().get("/api/v1/store/products/" + id).json();
    EXPECT_TRUE(after.at("images").as_array().empty());
}

}  // namespace
