#include "app/seed.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "app/runtime.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/slug.hpp"
#include "modules/admin/seed.hpp"
#include "modules/identity/secrets.hpp"
#include "modules/identity/seed.hpp"
#include "modules/vendor/seed.hpp"

namespace app {
namespace {

using std::string_view;

// splitmix64: a tiny generator with the same sequence on every platform and standard library
// (std::uniform_int_distribution is implementation-defined).
class rng {
public:
    explicit rng(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31U);
    }
    // Uniform in [0, n).
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
    int below(int n) { return static_cast<int>(below(static_cast<std::uint64_t>(n))); }
    std::int64_t between(std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
    }
    // Uniform in [0, 1).
    double unit() { return static_cast<double>(next() >> 11U) * 0x1.0p-53; }
    bool percent(int p) { return below(100) < p; }
    template <class T>
    const T& pick(const std::vector<T>& items) {
        return items[static_cast<std::size_t>(below(static_cast<std::uint64_t>(items.size())))];
    }

private:
    std::uint64_t state_;
};

// Families of products, one per top-level category: what their options, prices and texts are like.
enum family : int { fashion, home, electronics, sports, beauty, food, books, toys, family_count };

struct option_def {
    string_view name;
    std::vector<string_view> values;
};

// Option sets a leaf category's products choose variants from.
const std::vector<std::vector<option_def>>& option_schemes() {
    static const std::vector<std::vector<option_def>> schemes = {
        {},
        {{"size", {"XS", "S", "M", "L", "XL"}},
         {"colour", {"Black", "White", "Navy", "Grey", "Red", "Green", "Beige"}}},
        {{"size", {"38", "39", "40", "41", "42", "43", "44", "45"}},
         {"colour", {"Black", "White", "Brown", "Blue"}}},
        {{"colour", {"Black", "White", "Grey", "Blue", "Red", "Green", "Yellow", "Pink"}}},
        {{"storage", {"64 GB", "128 GB", "256 GB", "512 GB"}},
         {"colour", {"Black", "Silver", "Blue"}}},
        {{"size", {"30 ml", "50 ml", "100 ml"}}},
        {{"weight", {"250 g", "500 g", "1 kg"}}},
        {{"format", {"Paperback", "Hardcover", "E-book"}}},
        {{"finish", {"Oak", "Walnut", "White", "Black"}}},
        {{"size", {"S", "M", "L"}}, {"colour", {"Black", "Blue", "Red", "Orange"}}},
    };
    return schemes;
}

struct category_def {
    string_view name;
    string_view handle;
    string_view parent;  // handle; empty for a top-level category
    int scheme = 0;
    std::vector<string_view> nouns;  // empty for categories that only group others
};

// About 60 categories in three levels; products go to the leaves.
const std::vector<category_def>& category_defs() {
    static const std::vector<category_def> defs = {
        {"Fashion", "fashion", "", 0, {}},
        {"Women", "women", "fashion", 0, {}},
        {"Dresses", "dresses", "women", 1, {"Dress", "Maxi Dress", "Wrap Dress", "Shirt Dress"}},
        {"Tops", "tops", "women", 1, {"Blouse", "T-Shirt", "Tank Top", "Sweater"}},
        {"Shoes", "women-shoes", "women", 2, {"Sneakers", "Ankle Boots", "Loafers", "Sandals"}},
        {"Men", "men", "fashion", 0, {}},
        {"Shirts",
         "shirts",
         "men",
         1,
         {"Oxford Shirt", "Flannel Shirt", "Polo Shirt", "Linen Shirt"}},
        {"Trousers", "trousers", "men", 1, {"Chinos", "Jeans", "Cargo Trousers", "Joggers"}},
        {"Shoes", "men-shoes", "men", 2, {"Sneakers", "Derby Shoes", "Chelsea Boots", "Trainers"}},
        {"Kids", "kids", "fashion", 1, {"Hoodie", "Rain Jacket", "Pyjamas", "T-Shirt"}},
        {"Accessories", "accessories", "fashion", 0, {}},
        {"Bags", "bags", "accessories", 3, {"Tote Bag", "Backpack", "Crossbody Bag", "Weekender"}},
        {"Jewellery", "jewellery", "accessories", 3, {"Necklace", "Ring", "Earrings", "Bracelet"}},
        {"Watches", "watches", "accessories", 3, {"Watch", "Chronograph", "Watch Strap"}},
        {"Home & Garden", "home-garden", "", 0, {}},
        {"Furniture",
         "furniture",
         "home-garden",
         8,
         {"Side Table", "Armchair", "Bookshelf", "Desk", "Stool"}},
        {"Kitchen", "kitchen", "home-garden", 0, {}},
        {"Cookware", "cookware", "kitchen", 0, {"Frying Pan", "Saucepan", "Dutch Oven", "Wok"}},
        {"Tableware", "tableware", "kitchen", 3, {"Plate Set", "Mug", "Bowl", "Carafe"}},
        {"Decor", "decor", "home-garden", 3, {"Vase", "Candle", "Wall Art", "Cushion"}},
        {"Bedding",
         "bedding",
         "home-garden",
         3,
         {"Duvet Cover", "Pillowcase", "Throw", "Fitted Sheet"}},
        {"Lighting", "lighting", "home-garden", 8, {"Table Lamp", "Floor Lamp", "Pendant Light"}},
        {"Garden",
         "garden",
         "home-garden",
         0,
         {"Planter", "Watering Can", "Garden Hose", "Bird House"}},
        {"Electronics", "electronics", "", 0, {}},
        {"Phones", "phones", "electronics", 4, {"Smartphone", "Phone", "Mini Phone"}},
        {"Computers", "computers", "electronics", 0, {}},
        {"Laptops", "laptops", "computers", 4, {"Laptop", "Ultrabook", "Notebook"}},
        {"Computer Accessories",
         "computer-accessories",
         "computers",
         3,
         {"Keyboard", "Mouse", "USB-C Hub", "Monitor Stand"}},
        {"Audio", "audio", "electronics", 0, {}},
        {"Headphones", "headphones", "audio", 3, {"Headphones", "Earbuds", "Studio Headphones"}},
        {"Speakers",
         "speakers",
         "audio",
         3,
         {"Bluetooth Speaker", "Soundbar", "Bookshelf Speakers"}},
        {"Cameras", "cameras", "electronics", 0, {"Camera", "Lens", "Tripod", "Action Camera"}},
        {"Gaming", "gaming", "electronics", 3, {"Controller", "Gaming Headset", "Mouse Pad"}},
        {"Sports & Outdoors", "sports-outdoors", "", 0, {}},
        {"Cycling",
         "cycling",
         "sports-outdoors",
         9,
         {"Bike Helmet", "Cycling Jersey", "Bike Gloves"}},
        {"Running",
         "running",
         "sports-outdoors",
         9,
         {"Running Jacket", "Running Shorts", "Running Tights"}},
        {"Camping",
         "camping",
         "sports-outdoors",
         3,
         {"Tent", "Sleeping Bag", "Camping Stove", "Lantern"}},
        {"Fitness",
         "fitness",
         "sports-outdoors",
         3,
         {"Yoga Mat", "Dumbbells", "Resistance Band", "Kettlebell"}},
        {"Water Sports",
         "water-sports",
         "sports-outdoors",
         9,
         {"Swim Shorts", "Wetsuit", "Rash Guard"}},
        {"Team Sports",
         "team-sports",
         "sports-outdoors",
         9,
         {"Football Jersey", "Training Top", "Goalkeeper Gloves"}},
        {"Beauty & Health", "beauty-health", "", 0, {}},
        {"Skincare",
         "skincare",
         "beauty-health",
         5,
         {"Face Cream", "Serum", "Cleanser", "Body Lotion"}},
        {"Makeup", "makeup", "beauty-health", 3, {"Lipstick", "Mascara", "Foundation", "Blush"}},
        {"Fragrance",
         "fragrance",
         "beauty-health",
         5,
         {"Eau de Parfum", "Eau de Toilette", "Body Mist"}},
        {"Hair Care", "hair-care", "beauty-health", 5, {"Shampoo", "Conditioner", "Hair Oil"}},
        {"Food & Drink", "food-drink", "", 0, {}},
        {"Coffee & Tea",
         "coffee-tea",
         "food-drink",
         6,
         {"Coffee Beans", "Espresso", "Green Tea", "Chai"}},
        {"Bakery", "bakery", "food-drink", 6, {"Granola", "Cookies", "Crispbread"}},
        {"Wine", "wine", "food-drink", 0, {"Riesling", "Pinot Noir", "Sparkling Wine", "Rosé"}},
        {"Snacks", "snacks", "food-drink", 6, {"Chocolate", "Trail Mix", "Crisps"}},
        {"Organic", "organic", "food-drink", 6, {"Olive Oil", "Honey", "Pasta", "Lentils"}},
        {"Books & Media", "books-media", "", 0, {}},
        {"Fiction", "fiction", "books-media", 7, {"Novel", "Short Stories", "Thriller", "Poetry"}},
        {"Non-fiction", "non-fiction", "books-media", 7, {"Cookbook", "Biography", "Travel Guide"}},
        {"Comics", "comics", "books-media", 7, {"Graphic Novel", "Comic Book", "Manga"}},
        {"Music", "music", "books-media", 0, {"Vinyl Record", "CD", "Songbook"}},
        {"Toys & Baby", "toys-baby", "", 0, {}},
        {"Toys",
         "toys",
         "toys-baby",
         3,
         {"Building Blocks", "Plush Bear", "Wooden Train", "Toy Car"}},
        {"Baby Care", "baby-care", "toys-baby", 3, {"Baby Blanket", "Bib Set", "Teether"}},
        {"Games & Puzzles",
         "games-puzzles",
         "toys-baby",
         0,
         {"Board Game", "Jigsaw Puzzle", "Card Game"}},
    };
    return defs;
}

struct family_def {
    string_view trade;  // what a store of this family calls itself
    std::int64_t min_price;
    std::int64_t max_price;  // EUR cents
    std::int64_t min_weight;
    std::int64_t max_weight;  // grams
    std::vector<string_view> materials;
};

const std::array<family_def, family_count>& families() {
    static const std::array<family_def, family_count> defs = {{
        {"Fashion House",
         1500,
         12000,
         150,
         1500,
         {"cotton", "linen", "wool", "denim", "leather", "silk", "organic cotton",
          "recycled polyester"}},
        {"Home Goods",
         1000,
         50000,
         300,
         20000,
         {"oak", "walnut", "ceramic", "glass", "stainless steel", "linen", "rattan", "stoneware"}},
        {"Electronics",
         2000,
         150000,
         100,
         3000,
         {"aluminium", "recycled plastic", "glass", "carbon fibre"}},
        {"Sports",
         1000,
         30000,
         200,
         15000,
         {"nylon", "polyester", "aluminium", "rubber", "neoprene", "merino wool"}},
        {"Beauty", 500, 8000, 50, 500, {"natural oils", "shea butter", "aloe vera", "vitamin C"}},
        {"Delicatessen",
         300,
         4000,
         250,
         1500,
         {"organic", "fair trade", "whole grain", "single origin"}},
        {"Books", 600, 4000, 200, 1200, {"recycled paper", "FSC paper", "vinyl"}},
        {"Toys",
         800,
         9000,
         100,
         3000,
         {"beech wood", "recycled plastic", "organic cotton", "cardboard"}},
    }};
    return defs;
}

const std::vector<string_view> brands = {
    "Nordhaus",  "Spreewerk", "Lindenholz", "Kiezkind",    "Urbanfox",   "Havelstrand",
    "Blauberg",  "Feldmann",  "Eisvogel",   "Grünwald",    "Sternkraft", "Marlow",
    "Fjordline", "Kranich",   "Ostwind",    "Holzmeister", "Luma",       "Brightwell",
    "Northpeak", "Velvetine", "Kupfer",     "Pixelhaus",   "Sonnhalde",  "Wolkenweiß",
    "Alpenglut", "Tidewater", "Oakmere",    "Silberfisch", "Morgentau",  "Redfinch"};
const std::vector<string_view> adjectives = {
    "Classic", "Essential", "Everyday", "Premium", "Vintage",  "Modern",    "Compact",
    "Deluxe",  "Eco",       "Urban",    "Light",   "Handmade", "Signature", "Minimal",
    "Soft",    "Rugged",    "Elegant",  "Cozy",    "Bold",     "Studio"};
const std::vector<string_view> colours = {"Black",    "White",   "Navy", "Grey",  "Red",
                                          "Green",    "Beige",   "Blue", "Brown", "Olive",
                                          "Burgundy", "Mustard", "Teal", "Pink",  "Sand"};
const std::vector<string_view> tags = {
    "new",   "bestseller", "sale",    "eco",     "handmade", "gift",   "limited", "vegan",
    "local", "recycled",   "organic", "premium", "classic",  "summer", "winter",  "family"};
const std::vector<string_view> closing_lines = {
    "Designed in Berlin and made to last.",
    "A favourite of our regular customers.",
    "Ships within two working days from our store.",
    "Packed in recycled packaging, without plastic.",
    "Easy to care for and made to be used every day.",
    "Pick it up at our store or have it delivered the same day.",
    "Every piece is checked by hand before it leaves us.",
    "Made in small batches by a family business."};
const std::vector<string_view> districts = {
    "Kreuzberg", "Mitte",       "Neukölln",    "Prenzlauer Berg", "Friedrichshain",
    "Wedding",   "Moabit",      "Schöneberg",  "Charlottenburg",  "Pankow",
    "Tempelhof", "Lichtenberg", "Treptow",     "Köpenick",        "Spandau",
    "Steglitz",  "Zehlendorf",  "Wilmersdorf", "Weißensee",       "Friedenau"};
const std::vector<string_view> name_words = {
    "Spree",   "Havel", "Linden", "Kiez",  "Tor",    "Ufer", "Hof",  "Markt", "Brücke", "Garten",
    "Atelier", "Werk",  "Laden",  "Stube", "Kontor", "Eck",  "Bahn", "Insel", "Platz",  "Hafen"};
const std::vector<string_view> legal_forms = {"GmbH", "UG", "e.K.", "GbR"};
const std::vector<string_view> streets = {
    "Oranienstraße",  "Torstraße",         "Kastanienallee", "Bergmannstraße",  "Weserstraße",
    "Kollwitzstraße", "Simon-Dach-Straße", "Sonnenallee",    "Karl-Marx-Allee", "Schönhauser Allee",
    "Kantstraße",     "Boxhagener Straße", "Maybachufer",    "Dunckerstraße",   "Wiener Straße"};
const std::vector<string_view> first_names = {
    "Anna",  "Lukas", "Mia",   "Leon", "Emma", "Finn", "Hannah", "Jonas", "Lea", "Paul",
    "Sofia", "Elias", "Marie", "Noah", "Lena", "Ben",  "Clara",  "Felix", "Ida", "Emil"};
const std::vector<string_view> last_names = {
    "Müller",  "Schmidt", "Schneider", "Fischer",    "Weber",   "Meyer",   "Wagner",
    "Becker",  "Schulz",  "Hoffmann",  "Koch",       "Richter", "Klein",   "Wolf",
    "Neumann", "Schwarz", "Braun",     "Zimmermann", "Krüger",  "Hartmann"};

constexpr string_view seed_password = "Seed-Vendor-2026";
constexpr int products_per_transaction = 5000;

std::int64_t to_99(std::int64_t cents) {
    auto rounded = (cents + 50) / 100 * 100 - 1;
    return std::max<std::int64_t>(99, rounded);
}

// The demo marketplace, generated in a fixed order from one seed.
class generator {
public:
    generator(const seed_options& o, core::time_point now)
        : o_(o), rng_(o.seed), now_(now), start_(now - std::chrono::hours{24 * 365}) {}

    std::vector<admin::category> categories() {
        std::vector<admin::category> out;
        std::unordered_map<string_view, std::string> ids;
        std::unordered_map<string_view, int> positions;
        auto at = start_ - std::chrono::hours{24 * 30};
        for (const auto& d : category_defs()) {
            admin::category c;
            c.id = core::new_id("cat", at);
            ids.emplace(d.handle, c.id);
            if (!d.parent.empty()) {
                c.parent_id = ids.at(d.parent);
            }
            c.handle = std::string{d.handle};
            c.name = std::string{d.name};
            c.position = positions[d.parent]++;
            c.created_at = at;
            c.updated_at = at;
            if (!d.nouns.empty()) {
                leaves_.push_back(leaf{c.id, family_of(d), d.scheme, &d.nouns});
            }
            out.push_back(std::move(c));
        }
        for (std::size_t i = 0; i < leaves_.size(); ++i) {
            leaves_by_family_[static_cast<std::size_t>(leaves_[i].family)].push_back(i);
        }
        return out;
    }

    struct store_set {
        std::vector<identity::seed::account> accounts;
        std::vector<vendor::store> stores;
        std::vector<vendor::member> owners;
    };

    store_set stores() {
        store_set out;
        std::unordered_set<std::string> handles;
        for (int v = 0; v < o_.vendors; ++v) {
            auto at = start_ - std::chrono::hours{24 * 30} + std::chrono::minutes{v};
            int fam = rng_.below(static_cast<int>(family_count));
            const auto& district = rng_.pick(districts);
            std::string name = std::string{rng_.percent(50) ? district : rng_.pick(name_words)} +
                               " " + std::string{families()[static_cast<std::size_t>(fam)].trade};
            auto base = core::slugify(name, 92);
            auto handle = base;
            for (int n = 2; handles.contains(handle); ++n) {
                handle = core::with_suffix(base, n);
            }
            handles.insert(handle);

            char number[16];
            std::snprintf(number, sizeof number, "%04d", v + 1);
            // One draw per statement: the order of draws must not depend on the compiler.
            std::string first_name{rng_.pick(first_names)};
            std::string last_name{rng_.pick(last_names)};
            identity::seed::account owner{
                .id = core::new_id("usr", at),
                .email = "vendor" + std::string{number} + "@seed.trader.test",
                .name = first_name + " " + last_name};
            vendor::store s;
            s.id = core::new_id("vnd", at);
            s.handle = handle;
            s.name = name;
            s.legal_name = name + " " + std::string{rng_.pick(legal_forms)};
            s.contact_email = owner.email;
            s.contact_phone = "+4930" + std::to_string(rng_.between(2000000, 9999999));
            s.description = name + " is an independent " +
                            std::string{families()[static_cast<std::size_t>(fam)].trade} +
                            " shop in " + std::string{district} + ", Berlin. " +
                            std::string{rng_.pick(closing_lines)};
            s.status = vendor::store_status::active;
            std::string street{rng_.pick(streets)};
            s.pickup.line1 = street + " " + std::to_string(rng_.between(1, 180));
            s.pickup.city = "Berlin";
            s.pickup.postal_code = std::to_string(rng_.between(10115, 14199));
            s.pickup.country = "DE";
            // Scattered over the city: 52.52 +- 0.1, 13.405 +- 0.1.
            s.pickup.lat = 52.42 + 0.2 * rng_.unit();
            s.pickup.lng = 13.305 + 0.2 * rng_.unit();
            s.payout =
                boost::json::object{{"method", "bank_transfer"}, {"account_holder", *s.legal_name}};
            s.owner_id = owner.id;
            s.created_at = at;
            s.updated_at = at;
            vendor::member m;
            m.id = core::new_id("mbr", at);
            m.vendor_id = s.id;
            m.user_id = owner.id;
            m.role = vendor::member_role::owner;
            m.invited_at = at;
            m.accepted_at = at;
            m.created_at = at;
            m.updated_at = at;
            vendors_.push_back(vendor_state{s.id, fam, "V" + std::string{number}, 0, {}});
            out.accounts.push_back(std::move(owner));
            out.stores.push_back(std::move(s));
            out.owners.push_back(std::move(m));
        }
        return out;
    }

    // The next `count` products, oldest first.
    std::vector<vendor::product> products(int count) {
        std::vector<vendor::product> out;
        out.reserve(static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) {
            out.push_back(next_product());
        }
        return out;
    }

private:
    struct leaf {
        std::string id;
        int family;
        int scheme;
        const std::vector<string_view>* nouns;
    };

    struct vendor_state {
        std::string id;
        int family;
        std::string sku_prefix;
        int products;
        std::unordered_set<std::string> handles;
    };

    static int family_of(const category_def& d) {
        const auto* at = &d;
        const auto& defs = category_defs();
        while (!at->parent.empty()) {
            for (const auto& candidate : defs) {
                if (candidate.handle == at->parent) {
                    at = &candidate;
                    break;
                }
            }
        }
        int index = 0;
        for (const auto& candidate : defs) {
            if (candidate.parent.empty()) {
                if (&candidate == at) {
                    return index;
                }
                ++index;
            }
        }
        return 0;
    }

    vendor::product next_product() {
        auto seq = produced_++;
        auto span = std::chrono::duration_cast<std::chrono::milliseconds>(now_ - start_);
        auto at = start_ + std::chrono::milliseconds{
                               span.count() * seq / std::max<std::int64_t>(1, o_.products)};
        auto& v = vendors_[static_cast<std::size_t>(rng_.below(static_cast<int>(vendors_.size())))];
        // Most stores keep to their trade.
        int fam = rng_.percent(75) ? v.family : rng_.below(static_cast<int>(family_count));
        const auto& pool = leaves_by_family_[static_cast<std::size_t>(fam)];
        const auto& lf =
            leaves_[pool[static_cast<std::size_t>(rng_.below(static_cast<int>(pool.size())))]];
        const auto& fd = families()[static_cast<std::size_t>(lf.family)];

        const auto& brand = rng_.pick(brands);
        const auto& adjective = rng_.pick(adjectives);
        const auto& noun = rng_.pick(*lf.nouns);
        const auto& material = rng_.pick(fd.materials);
        const auto& colour = rng_.pick(colours);

        vendor::product p;
        auto& s = p.snapshot;
        s.id = core::new_id("prod", at);
        s.vendor_id = v.id;
        s.title = std::string{brand} + " " + std::string{adjective} + " " + std::string{noun};
        auto base = core::slugify(s.title, 92);
        s.handle = base;
        for (int n = 2; v.handles.contains(s.handle); ++n) {
            s.handle = core::with_suffix(base, n);
        }
        v.handles.insert(s.handle);
        auto second = rng_.below(static_cast<int>(closing_lines.size()));
        auto third = (second + 1 + rng_.below(static_cast<int>(closing_lines.size()) - 1)) %
                     static_cast<int>(closing_lines.size());
        s.description = std::string{adjective} + " " + std::string{noun} + " by " +
                        std::string{brand} + ", made of " + std::string{material} + ". " +
                        std::string{closing_lines[static_cast<std::size_t>(second)]} + " " +
                        std::string{closing_lines[static_cast<std::size_t>(third)]};
        s.category_id = lf.id;
        auto tag_count = 1 + rng_.below(4);
        for (int t = 0; t < tag_count; ++t) {
            std::string tag{rng_.pick(tags)};
            if (std::find(s.tags.begin(), s.tags.end(), tag) == s.tags.end()) {
                s.tags.push_back(std::move(tag));
            }
        }
        s.attributes = {{"brand", brand}, {"material", material}, {"colour", colour}};

        const auto& scheme = option_schemes()[static_cast<std::size_t>(lf.scheme)];
        for (const auto& opt : scheme) {
            boost::json::array values;
            for (auto value : opt.values) {
                values.emplace_back(value);
            }
            s.options.push_back({{"name", opt.name}, {"values", std::move(values)}});
        }
        add_variants(p, scheme, fd, v, at);

        auto roll = rng_.below(100);
        s.status = roll < 92 ? "published" : roll < 97 ? "draft" : "archived";
        if (s.status != "draft") {
            s.published_at = at + std::chrono::minutes{rng_.between(5, 2 * 24 * 60)};
        }
        s.created_at = at;
        s.updated_at = s.published_at.value_or(at);
        ++v.products;
        return p;
    }

    void add_variants(
        vendor::product& p,
        const std::vector<option_def>& scheme,
        const family_def& fd,
        vendor_state& v,
        core::time_point at
    ) {
        // Every combination of the option values, then a deterministic pick of 1-5 of them.
        std::vector<std::vector<string_view>> combos{{}};
        for (const auto& opt : scheme) {
            std::vector<std::vector<string_view>> grown;
            for (const auto& c : combos) {
                for (auto value : opt.values) {
                    auto next = c;
                    next.push_back(value);
                    grown.push_back(std::move(next));
                }
            }
            combos = std::move(grown);
        }
        auto count =
            std::min<std::size_t>(combos.size(), 1 + static_cast<std::size_t>(rng_.below(5)));
        for (std::size_t i = 0; i < count; ++i) {
            auto j =
                i +
                static_cast<std::size_t>(rng_.below(static_cast<std::uint64_t>(combos.size() - i)));
            std::swap(combos[i], combos[j]);
        }
        auto base = to_99(rng_.between(fd.min_price, fd.max_price));
        bool in_usd = rng_.percent(20);
        bool discounted = rng_.percent(15);
        auto weight = rng_.between(fd.min_weight, fd.max_weight);
        static const auto eur = *core::currency::parse("EUR");
        static const auto usd = *core::currency::parse("USD");
        char sku[40];
        for (std::size_t i = 0; i < count; ++i) {
            vendor::variant_snapshot variant;
            variant.id = core::new_id("var", at);
            std::snprintf(
                sku, sizeof sku, "%s-%06d-%zu", v.sku_prefix.c_str(), v.products + 1, i + 1
            );
            variant.sku = sku;
            for (std::size_t k = 0; k < scheme.size(); ++k) {
                variant.options[scheme[k].name] = combos[i][k];
            }
            auto amount = i == 0 ? base : to_99(base * (100 + rng_.between(-10, 20)) / 100);
            variant.prices.emplace_back(amount, eur);
            if (discounted) {
                variant.compare_at_prices.emplace_back(to_99(amount * 125 / 100), eur);
            }
            if (in_usd) {
                auto dollars = to_99(amount * 108 / 100);
                variant.prices.emplace_back(dollars, usd);
                if (discounted) {
                    variant.compare_at_prices.emplace_back(to_99(dollars * 125 / 100), usd);
                }
            }
            variant.weight_grams = weight;
            vendor::stock_level level{rng_.percent(10) ? 0 : rng_.between(1, 250), 0};
            variant.stock = level.on_hand;
            p.snapshot.variants.push_back(std::move(variant));
            p.stock.push_back(level);
        }
    }

    seed_options o_;
    rng rng_;
    core::time_point now_;
    core::time_point start_;
    std::vector<leaf> leaves_;
    std::array<std::vector<std::size_t>, family_count> leaves_by_family_;
    std::vector<vendor_state> vendors_;
    std::int64_t produced_ = 0;
};

using product_batch = std::shared_ptr<const std::vector<vendor::product>>;

// The seed's transactions, as members so that the transaction runner can call them again on retry.
class writer {
public:
    writer(const core::clock& clock, std::string password_hash)
        : clock_(clock), password_hash_(std::move(password_hash)) {}

    core::task<core::result<bool>> setup(
        std::shared_ptr<const std::vector<admin::category>> categories,
        std::shared_ptr<const generator::store_set> stores,
        infra::db::transaction& tx
    ) {
        auto existing = co_await vendor::seed::count_catalog(tx);
        if (!existing) {
            co_return std::move(existing).error();
        }
        auto existing_categories = co_await admin::seed::count_categories(tx);
        if (!existing_categories) {
            co_return std::move(existing_categories).error();
        }
        if (*existing > 0 || *existing_categories > 0) {
            co_return core::fail(
                core::errc::conflict,
                "the catalog is not empty (stores, products or categories exist): seed a fresh "
                "database"
            );
        }
        auto made = co_await admin::seed::insert_categories(tx, *categories);
        if (!made) {
            co_return std::move(made).error();
        }
        std::vector<std::string> roles{"customer", "vendor"};
        auto accounts = co_await identity::seed::insert_accounts(
            tx, stores->accounts, password_hash_, std::move(roles), clock_.now()
        );
        if (!accounts) {
            co_return std::move(accounts).error();
        }
        auto opened = co_await vendor::seed::insert_stores(tx, stores->stores, stores->owners);
        if (!opened) {
            co_return std::move(opened).error();
        }
        co_return true;
    }

    core::task<core::result<bool>> products(product_batch batch, infra::db::transaction& tx) {
        auto done = co_await vendor::seed::insert_products(tx, *batch);
        if (!done) {
            co_return std::move(done).error();
        }
        co_return true;
    }

    core::task<core::result<bool>> finish(infra::db::transaction& tx) {
        auto done = co_await vendor::seed::request_reindex(tx, clock_);
        if (!done) {
            co_return std::move(done).error();
        }
        co_return true;
    }

private:
    const core::clock& clock_;
    std::string password_hash_;
};

template <class Body>
core::result<bool> run_transaction(infra::db::database& db, Body body) {
    return run_sync<core::result<bool>>([&db, &body] { return infra::db::transact(db, body); });
}

}  // namespace

core::result<seed_report> seed_marketplace(
    infra::db::database& db, const core::clock& clock, const seed_options& options
) {
    auto started = std::chrono::steady_clock::now();
    auto hash = identity::secrets::hash_password(seed_password);
    if (!hash) {
        return std::move(hash).error();
    }
    generator gen{options, clock.now()};
    writer w{clock, std::move(*hash)};
    seed_report report;

    auto categories = std::make_shared<const std::vector<admin::category>>(gen.categories());
    auto stores = std::make_shared<const generator::store_set>(gen.stores());
    report.categories = static_cast<int>(categories->size());
    report.vendors = static_cast<int>(stores->stores.size());
    report.users = static_cast<int>(stores->accounts.size());
    if (!stores->accounts.empty()) {
        report.sample_email = stores->accounts.front().email;
    }
    report.password = std::string{seed_password};
    if (db.kind() == infra::db::dialect::sqlite) {
        // A bulk load dirties far more than SQLite's default 2 MB page cache: spilled and re-read
        // pages were most of the run. This process ends after the seed, so the writer keeps it.
        auto tuned = run_sync<core::result<infra::db::rows>>([&db] {
            return db.execute("PRAGMA cache_size = -131072");
        });
        if (!tuned) {
            return std::move(tuned).error();
        }
    }
    auto set_up = run_transaction(db, std::bind_front(&writer::setup, &w, categories, stores));
    if (!set_up) {
        return std::move(set_up).error();
    }

    for (int done = 0; done < options.products; done += products_per_transaction) {
        auto batch = std::make_shared<const std::vector<vendor::product>>(
            gen.products(std::min(products_per_transaction, options.products - done))
        );
        for (const auto& p : *batch) {
            report.variants += static_cast<int>(p.snapshot.variants.size());
            for (const auto& v : p.snapshot.variants) {
                report.prices += static_cast<int>(v.prices.size());
            }
        }
        report.products += static_cast<int>(batch->size());
        auto written = run_transaction(db, std::bind_front(&writer::products, &w, batch));
        if (!written) {
            return std::move(written).error();
        }
    }

    auto finished = run_transaction(db, std::bind_front(&writer::finish, &w));
    if (!finished) {
        return std::move(finished).error();
    }
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace app
