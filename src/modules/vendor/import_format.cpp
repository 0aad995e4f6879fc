#include "modules/vendor/import_format.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <map>
#include <set>

#include "core/ids.hpp"
#include "core/slug.hpp"

namespace vendor::import_format {
namespace {

const std::string no_cell;

const std::string& cell(const csv::record& r, int col) {
    if (col < 0 || static_cast<std::size_t>(col) >= r.cells.size()) {
        return no_cell;
    }
    return r.cells[static_cast<std::size_t>(col)];
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// A whole number as written in a cell ("1999", "-5"); nullopt for anything else ("19.99").
std::optional<std::int64_t> whole_number(std::string_view s) {
    s = trimmed(s);
    if (s.starts_with('+')) {
        s.remove_prefix(1);
    }
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

std::string option_name_column(std::size_t i) { return "option" + std::to_string(i + 1) + "_name"; }
std::string option_value_column(std::size_t i) {
    return "option" + std::to_string(i + 1) + "_value";
}

// The product columns: set on a product's first row, blank or the same on its other rows.
struct product_column {
    int columns::*index;
    const char* name;
};
constexpr product_column product_columns[] = {
    {&columns::title, "title"},   {&columns::description, "description"},
    {&columns::status, "status"}, {&columns::category, "category"},
    {&columns::tags, "tags"},     {&columns::attributes, "attributes"},
};

struct variant_source {
    std::int64_t row = 0;  // 0: a stored variant the file does not name
    std::string sku;
    std::vector<std::string> price_columns;    // per price, in body order
    std::vector<std::string> compare_columns;  // per compare-at price
};

struct mapped {
    std::int64_t row = 0;  // 0: a product-level error
    row_error error;
};

// A field error of parse_product back on a row and column.
mapped map_error(
    const core::field_error& e,
    const std::vector<variant_source>& sources,
    const boost::json::array& options,
    std::int64_t first_row
) {
    std::vector<std::string> parts;
    std::string_view p = e.pointer;
    while (!p.empty()) {
        p.remove_prefix(1);
        auto slash = p.find('/');
        parts.emplace_back(p.substr(0, slash));
        p = slash == std::string_view::npos ? std::string_view{} : p.substr(slash);
    }
    auto product_error = [&](std::string column, std::string message) {
        return mapped{0, {first_row, std::move(column), std::move(message)}};
    };
    if (parts.empty()) {
        return product_error("handle", e.message);
    }
    const auto& top = parts[0];
    if (top == "variants" && parts.size() >= 2) {
        std::size_t i = 0;
        auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), i);
        if (ec != std::errc{} || i >= sources.size()) {
            return product_error("sku", e.message);
        }
        const auto& src = sources[i];
        std::string column = "sku";
        if (parts.size() >= 3) {
            const auto& field = parts[2];
            std::size_t k = 0;
            if (parts.size() >= 4) {
                std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), k);
            }
            if (field == "prices" && k < src.price_columns.size()) {
                column = src.price_columns[k];
            } else if (field == "compare_at_prices" && k < src.compare_columns.size()) {
                column = src.compare_columns[k];
            } else if (field == "stock" || field == "weight_grams") {
                column = field;
            } else if (field == "options") {
                column = option_value_column(0);
                for (std::size_t o = 0; parts.size() >= 4 && o < options.size(); ++o) {
                    if (core::json::pointer_escape(options[o].at("name").as_string()) == parts[3]) {
                        column = option_value_column(o);
                    }
                }
            }
        }
        if (src.row == 0) {
            return product_error(
                column, "stored variant " + src.sku + " (not in the file): " + e.message
            );
        }
        return mapped{src.row, {src.row, column, e.message}};
    }
    if (top == "category_id") {
        return product_error("category", e.message);
    }
    if (top == "options" && parts.size() >= 2) {
        std::size_t i = 0;
        std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), i);
        bool value = parts.size() >= 3 && parts[2] == "values";
        return product_error(value ? option_value_column(i) : option_name_column(i), e.message);
    }
    if (top == "variants") {
        return product_error("sku", e.message);
    }
    return product_error(top, e.message);
}

boost::json::array money_array(const std::vector<core::money>& prices) {
    boost::json::array out;
    for (const auto& m : prices) {
        out.push_back({{"currency", m.currency().code()}, {"amount", m.amount()}});
    }
    return out;
}

std::string tags_cell(const std::vector<std::string>& tags) {
    bool plain = std::none_of(tags.begin(), tags.end(), [](const std::string& t) {
        return t.find(',') != std::string::npos || trimmed(t) != t || t.starts_with('[');
    });
    if (!plain) {
        boost::json::array a;
        for (const auto& t : tags) {
            a.emplace_back(t);
        }
        return boost::json::serialize(a);
    }
    std::string out;
    for (const auto& t : tags) {
        out += out.empty() ? t : ", " + t;
    }
    return out;
}

// The product-level values of a product's first row, checked.
struct product_fields {
    std::optional<std::string> status;
    std::optional<std::string> category_id;
    boost::json::array tags;
    boost::json::object attributes;
    std::array<std::string, option_columns> option_names;
};

product_fields read_product_fields(
    const context& ctx, const csv::record& first, std::vector<row_error>& errors
) {
    const auto& c = ctx.cols;
    product_fields out;
    auto status = std::string{trimmed(cell(first, c.status))};
    if (status == "draft" || status == "published" || status == "archived") {
        out.status = status;
    } else if (!status.empty()) {
        errors.push_back({first.row, "status", "must be draft, published or archived"});
    }
    auto category = std::string{trimmed(cell(first, c.category))};
    if (!category.empty()) {
        const auto* found = core::is_id(category, "cat") ? ctx.categories.find(category)
                                                         : ctx.categories.find_by_handle(category);
        if (found == nullptr) {
            errors.push_back({first.row, "category", "is not a category (give its id or handle)"});
        } else {
            out.category_id = found->id;
        }
    }
    auto tags = trimmed(cell(first, c.tags));
    if (tags.starts_with('[')) {
        boost::system::error_code ec;
        auto v = boost::json::parse(tags, ec);
        if (ec || !v.is_array()) {
            errors.push_back(
                {first.row, "tags", "must be a JSON array of strings or a comma-separated list"}
            );
        } else {
            out.tags = std::move(v.get_array());
        }
    } else {
        while (!tags.empty()) {
            auto comma = tags.find(',');
            auto tag = trimmed(tags.substr(0, comma));
            if (!tag.empty()) {
                out.tags.emplace_back(tag);
            }
            tags = comma == std::string_view::npos ? std::string_view{} : tags.substr(comma + 1);
        }
    }
    auto attributes = trimmed(cell(first, c.attributes));
    if (!attributes.empty()) {
        boost::system::error_code ec;
        auto v = boost::json::parse(attributes, ec);
        if (ec || !v.is_object()) {
            errors.push_back(
                {first.row, "attributes", "must be a JSON object, e.g. {\"material\": \"linen\"}"}
            );
        } else {
            out.attributes = std::move(v.get_object());
        }
    }
    for (std::size_t i = 0; i < option_columns; ++i) {
        out.option_names[i] = std::string{trimmed(cell(first, c.option_name[i]))};
    }
    return out;
}

// A variant row's own problems (cells that cannot become a variant at all).
void check_row(
    const context& ctx,
    const csv::record& r,
    const csv::record& first,
    const product_fields& fields,
    const product* current,
    std::vector<row_error>& errors
) {
    const auto& c = ctx.cols;
    if (r.cells.size() != c.count) {
        errors.push_back(
            {r.row, "",
             "has " + std::to_string(r.cells.size()) + " cells, the header has " +
                 std::to_string(c.count)}
        );
        return;
    }
    if (&r != &first) {
        for (const auto& pc : product_columns) {
            const auto& v = cell(r, c.*pc.index);
            if (!v.empty() && v != cell(first, c.*pc.index)) {
                errors.push_back(
                    {r.row, pc.name,
                     "differs from row " + std::to_string(first.row) +
                         ", the product's first row (leave it blank on later rows)"}
                );
            }
        }
        for (std::size_t i = 0; i < option_columns; ++i) {
            auto name = trimmed(cell(r, c.option_name[i]));
            if (!name.empty() && name != fields.option_names[i]) {
                errors.push_back(
                    {r.row, option_name_column(i),
                     "differs from row " + std::to_string(first.row) + ", the product's first row"}
                );
            }
        }
    }
    auto sku = std::string{trimmed(cell(r, c.sku))};
    if (sku.empty()) {
        errors.push_back({r.row, "sku", "is required"});
    } else {
        auto first_row = ctx.sku_first_row.find(sku);
        if (first_row != ctx.sku_first_row.end() && first_row->second != r.row) {
            errors.push_back(
                {r.row, "sku", "appears on row " + std::to_string(first_row->second) + " too"}
            );
        }
        auto owner = ctx.sku_owner.find(sku);
        if (owner != ctx.sku_owner.end() &&
            (current == nullptr || owner->second != current->snapshot.id)) {
            errors.push_back({r.row, "sku", "is in use by another product of the store"});
        }
    }
    for (std::size_t i = 0; i < option_columns; ++i) {
        if (!trimmed(cell(r, c.option_value[i])).empty() && fields.option_names[i].empty()) {
            errors.push_back(
                {r.row, option_value_column(i),
                 "needs " + option_name_column(i) + " on the product's first row"}
            );
        }
    }
    auto number = [&](int col, const std::string& name, const char* what) {
        const auto& v = cell(r, col);
        if (!trimmed(v).empty() && !whole_number(v)) {
            errors.push_back({r.row, name, std::string{"must be a whole number"} + what});
        }
    };
    for (const auto& [cur, col] : c.prices) {
        number(col, "price_" + std::string{cur.code()}, " of minor units (1999 for 19.99)");
    }
    for (const auto& [cur, col] : c.compare_at) {
        number(col, "compare_at_" + std::string{cur.code()}, " of minor units (1999 for 19.99)");
    }
    number(c.weight_grams, "weight_grams", " of grams");
    number(c.stock, "stock", "");
    if (current != nullptr && !sku.empty()) {
        auto stock = whole_number(cell(r, c.stock));
        const auto& variants = current->snapshot.variants;
        for (std::size_t i = 0; stock && i < variants.size(); ++i) {
            if (variants[i].sku == sku && *stock < current->stock[i].reserved) {
                errors.push_back(
                    {r.row, "stock",
                     "must be at least the " + std::to_string(current->stock[i].reserved) +
                         " units reserved by open orders"}
                );
            }
        }
    }
}

// The variant body of a row; `src` learns which columns its prices came from.
boost::json::object variant_body(
    const context& ctx,
    const csv::record& r,
    const product_fields& fields,
    const product* current,
    variant_source& src
) {
    const auto& c = ctx.cols;
    boost::json::object v;
    src.row = r.row;
    src.sku = std::string{trimmed(cell(r, c.sku))};
    v["sku"] = src.sku;
    boost::json::object options;
    for (std::size_t i = 0; i < option_columns; ++i) {
        auto value = trimmed(cell(r, c.option_value[i]));
        if (!fields.option_names[i].empty() && !value.empty()) {
            options[fields.option_names[i]] = value;
        }
    }
    v["options"] = std::move(options);
    boost::json::array prices;
    for (const auto& [cur, col] : c.prices) {
        if (auto amount = whole_number(cell(r, col))) {
            prices.push_back({{"currency", cur.code()}, {"amount", *amount}});
            src.price_columns.push_back("price_" + std::string{cur.code()});
        }
    }
    v["prices"] = std::move(prices);
    boost::json::array compare;
    for (const auto& [cur, col] : c.compare_at) {
        if (auto amount = whole_number(cell(r, col))) {
            compare.push_back({{"currency", cur.code()}, {"amount", *amount}});
            src.compare_columns.push_back("compare_at_" + std::string{cur.code()});
        }
    }
    v["compare_at_prices"] = std::move(compare);
    if (auto w = whole_number(cell(r, c.weight_grams))) {
        v["weight_grams"] = *w;
    }
    std::int64_t stock = 0;
    if (auto s = whole_number(cell(r, c.stock))) {
        stock = *s;
    } else if (current != nullptr) {
        for (std::size_t i = 0; i < current->snapshot.variants.size(); ++i) {
            if (current->snapshot.variants[i].sku == src.sku) {
                stock = current->stock[i].on_hand;  // blank: the stock stays
            }
        }
    }
    v["stock"] = stock;
    return v;
}

boost::json::object stored_variant_body(const product& p, std::size_t i) {
    const auto& s = p.snapshot.variants[i];
    boost::json::object v{
        {"sku", s.sku},
        {"options", s.options},
        {"prices", money_array(s.prices)},
        {"compare_at_prices", money_array(s.compare_at_prices)},
        {"stock", p.stock[i].on_hand}};
    if (s.weight_grams) {
        v["weight_grams"] = *s.weight_grams;
    }
    return v;
}

void add_option_value(boost::json::array& values, const boost::json::value& v) {
    if (std::find(values.begin(), values.end(), v) == values.end()) {
        values.push_back(v);
    }
}

}  // namespace

core::result<columns> read_header(const std::vector<std::string>& header) {
    columns out;
    out.count = header.size();
    core::error err{core::errc::invalid, "the header does not follow the import format"};
    std::set<std::string> seen;
    auto pointer = [](const std::string& name) {
        return "/header/" + core::json::pointer_escape(name.empty() ? "(blank)" : name);
    };
    for (std::size_t i = 0; i < header.size(); ++i) {
        auto name = std::string{trimmed(header[i])};
        int at = static_cast<int>(i);
        if (!seen.insert(name).second) {
            err.fields.push_back({pointer(name), "duplicate", name + " appears twice"});
            continue;
        }
        bool known = true;
        if (name == "handle") {
            out.handle = at;
        } else if (name == "title") {
            out.title = at;
        } else if (name == "description") {
            out.description = at;
        } else if (name == "status") {
            out.status = at;
        } else if (name == "category") {
            out.category = at;
        } else if (name == "tags") {
            out.tags = at;
        } else if (name == "attributes") {
            out.attributes = at;
        } else if (name == "sku") {
            out.sku = at;
        } else if (name == "weight_grams") {
            out.weight_grams = at;
        } else if (name == "stock") {
            out.stock = at;
        } else if (name.starts_with("price_") || name.starts_with("compare_at_")) {
            bool price = name.starts_with("price_");
            auto code = std::string_view{name}.substr(price ? 6 : 11);
            auto cur = core::currency::parse(code);
            if (!cur || code.size() != 3) {
                err.fields.push_back(
                    {pointer(name), "currency",
                     name + ": " + std::string{code} + " is not an ISO 4217 currency we accept"}
                );
                continue;
            }
            (price ? out.prices : out.compare_at).emplace_back(*cur, at);
        } else {
            known = false;
            for (std::size_t k = 0; k < option_columns; ++k) {
                if (name == option_name_column(k)) {
                    out.option_name[k] = at;
                    known = true;
                } else if (name == option_value_column(k)) {
                    out.option_value[k] = at;
                    known = true;
                }
            }
        }
        if (!known) {
            err.fields.push_back(
                {pointer(name), "unknown_column",
                 "\"" + name + "\" is not a column of the import format"}
            );
        }
    }
    for (const auto& [index, name] :
         {std::pair{out.handle, "handle"}, std::pair{out.title, "title"},
          std::pair{out.sku, "sku"}}) {
        if (index < 0) {
            err.fields.push_back(
                {pointer(name), "required", std::string{name} + " is a required column"}
            );
        }
    }
    if (out.prices.empty()) {
        err.fields.push_back(
            {pointer("price_EUR"), "required", "at least one price_<CURRENCY> column is required"}
        );
    }
    for (std::size_t k = 0; k < option_columns; ++k) {
        if ((out.option_name[k] < 0) != (out.option_value[k] < 0)) {
            auto missing = out.option_name[k] < 0 ? option_name_column(k) : option_value_column(k);
            err.fields.push_back(
                {pointer(missing), "required",
                 "option columns come in pairs: " + missing + " is missing"}
            );
        }
    }
    for (const auto& [cur, col] : out.compare_at) {
        bool priced = std::any_of(out.prices.begin(), out.prices.end(), [&](const auto& p) {
            return p.first == cur;
        });
        if (!priced) {
            auto name = "compare_at_" + std::string{cur.code()};
            err.fields.push_back(
                {pointer(name), "unmatched", name + " needs price_" + std::string{cur.code()}}
            );
        }
    }
    if (!err.fields.empty()) {
        return err;
    }
    return out;
}

std::vector<product_rows> group_rows(
    const csv::table& t, const columns& cols, std::vector<row_error>& errors
) {
    std::vector<product_rows> out;
    std::unordered_map<std::string, std::size_t> by_handle;
    for (const auto& r : t.records) {
        auto handle = std::string{trimmed(cell(r, cols.handle))};
        if (handle.empty()) {
            errors.push_back({r.row, "handle", "is required"});
            continue;
        }
        if (!core::is_handle(handle, limits::handle)) {
            errors.push_back(
                {r.row, "handle",
                 "must be 1-" + std::to_string(limits::handle) +
                     " lower-case letters, digits and single dashes (linen-shirt)"}
            );
            continue;
        }
        auto [at, added] = by_handle.emplace(handle, out.size());
        if (added) {
            out.push_back(product_rows{handle, {}});
        }
        out[at->second].rows.push_back(&r);
    }
    return out;
}

std::unordered_map<std::string, std::int64_t> first_rows_of_skus(
    const std::vector<product_rows>& groups, const columns& cols
) {
    std::unordered_map<std::string, std::int64_t> out;
    for (const auto& g : groups) {
        for (const auto* r : g.rows) {
            auto sku = std::string{trimmed(cell(*r, cols.sku))};
            if (!sku.empty()) {
                out.emplace(std::move(sku), r->row);
            }
        }
    }
    // A SKU's first row is the lowest, whichever product it is in.
    for (const auto& g : groups) {
        for (const auto* r : g.rows) {
            auto sku = std::string{trimmed(cell(*r, cols.sku))};
            auto it = out.find(sku);
            if (it != out.end() && r->row < it->second) {
                it->second = r->row;
            }
        }
    }
    return out;
}

product_outcome plan_product(
    const context& ctx, const product_rows& group, const product* current
) {
    product_outcome out;
    const auto& first = *group.rows.front();
    std::vector<row_error> product_errors;
    auto fields = read_product_fields(ctx, first, product_errors);

    auto fail_all = [&](std::vector<row_error> errors) {
        std::set<std::int64_t> reported;
        for (auto& e : errors) {
            reported.insert(e.row);
            out.errors.push_back(std::move(e));
        }
        for (const auto* r : group.rows) {
            out.failed_rows.push_back(r->row);
            if (!reported.contains(r->row)) {
                out.errors.push_back(
                    {r->row, "handle",
                     "not imported: product " + group.handle + " has an error on row " +
                         std::to_string(first.row)}
                );
            }
        }
        std::sort(out.errors.begin(), out.errors.end(), [](const auto& a, const auto& b) {
            return a.row < b.row;
        });
        std::sort(out.failed_rows.begin(), out.failed_rows.end());
        return std::move(out);
    };
    if (!product_errors.empty()) {
        return fail_all(std::move(product_errors));
    }

    // Rows with problems of their own are left out before the product is validated.
    std::vector<const csv::record*> good;
    std::vector<row_error> row_errors;
    for (const auto* r : group.rows) {
        auto before = row_errors.size();
        check_row(ctx, *r, first, fields, current, row_errors);
        if (row_errors.size() == before) {
            good.push_back(r);
        }
    }
    if (std::find(good.begin(), good.end(), &first) == good.end() &&
        first.cells.size() != ctx.cols.count) {
        return fail_all(std::move(row_errors));
    }

    for (;;) {
        if (good.empty()) {
            return fail_all(std::move(row_errors));
        }
        // Stored variants keep their place; file variants replace them by SKU or come after.
        std::vector<variant_source> sources;
        boost::json::array variants;
        std::vector<bool> used(good.size(), false);
        std::unordered_map<std::string, std::size_t> row_of_sku;
        for (std::size_t i = 0; i < good.size(); ++i) {
            row_of_sku.emplace(std::string{trimmed(cell(*good[i], ctx.cols.sku))}, i);
        }
        if (current != nullptr) {
            for (std::size_t i = 0; i < current->snapshot.variants.size(); ++i) {
                const auto& sku = current->snapshot.variants[i].sku;
                auto at = row_of_sku.find(sku);
                variant_source src;
                if (at != row_of_sku.end()) {
                    used[at->second] = true;
                    variants.push_back(variant_body(ctx, *good[at->second], fields, current, src));
                } else {
                    src.sku = sku;
                    variants.push_back(stored_variant_body(*current, i));
                }
                sources.push_back(std::move(src));
            }
        }
        for (std::size_t i = 0; i < good.size(); ++i) {
            if (!used[i]) {
                variant_source src;
                variants.push_back(variant_body(ctx, *good[i], fields, current, src));
                sources.push_back(std::move(src));
            }
        }
        boost::json::array options;
        for (std::size_t o = 0; o < option_columns; ++o) {
            const auto& name = fields.option_names[o];
            if (name.empty()) {
                continue;
            }
            // A stored option keeps its declared values (and their order); variants add theirs.
            boost::json::array values;
            for (std::size_t k = 0; current != nullptr && k < current->snapshot.options.size();
                 ++k) {
                const auto& stored = current->snapshot.options[k].as_object();
                if (stored.at("name").as_string() == name) {
                    values = stored.at("values").as_array();
                }
            }
            for (const auto& v : variants) {
                if (const auto* value = v.at("options").as_object().if_contains(name)) {
                    add_option_value(values, *value);
                }
            }
            options.push_back({{"name", name}, {"values", std::move(values)}});
        }
        boost::json::object body{
            {"title", cell(first, ctx.cols.title)},
            {"description", cell(first, ctx.cols.description)},
            {"tags", fields.tags},
            {"attributes", fields.attributes},
            {"options", options},
            {"variants", std::move(variants)}};
        if (fields.category_id) {
            body["category_id"] = *fields.category_id;
        }
        auto parsed = parse_product(body);
        if (parsed) {
            product_plan plan;
            plan.draft = std::move(*parsed);
            plan.status = fields.status;
            for (const auto* r : good) {
                plan.rows.push_back(r->row);
            }
            out.plan = std::move(plan);
            for (const auto* r : group.rows) {
                if (std::find(good.begin(), good.end(), r) == good.end()) {
                    out.failed_rows.push_back(r->row);
                }
            }
            out.errors = std::move(row_errors);
            std::sort(out.errors.begin(), out.errors.end(), [](const auto& a, const auto& b) {
                return a.row < b.row;
            });
            return out;
        }
        std::set<std::int64_t> bad_rows;
        for (const auto& e : parsed.error().fields) {
            auto m = map_error(e, sources, options, first.row);
            if (m.row == 0) {
                product_errors.push_back(std::move(m.error));
            } else {
                bad_rows.insert(m.row);
                row_errors.push_back(std::move(m.error));
            }
        }
        if (!product_errors.empty() || bad_rows.empty()) {
            if (product_errors.empty()) {
                product_errors.push_back({first.row, "handle", parsed.error().detail});
            }
            for (auto& e : row_errors) {
                product_errors.push_back(std::move(e));
            }
            return fail_all(std::move(product_errors));
        }
        std::erase_if(good, [&](const csv::record* r) { return bad_rows.contains(r->row); });
    }
}

std::string export_csv(
    const std::vector<product>& products, const admin::category_tree& categories
) {
    std::set<std::string> price_codes;
    std::set<std::string> compare_codes;
    for (const auto& p : products) {
        for (const auto& v : p.snapshot.variants) {
            for (const auto& m : v.prices) {
                price_codes.emplace(m.currency().code());
            }
            for (const auto& m : v.compare_at_prices) {
                compare_codes.emplace(m.currency().code());
            }
        }
    }
    if (price_codes.empty()) {
        price_codes.emplace("EUR");
    }
    std::vector<std::string> header{"handle",   "title", "description", "status",
                                    "category", "tags",  "attributes"};
    for (std::size_t i = 0; i < option_columns; ++i) {
        header.push_back(option_name_column(i));
        header.push_back(option_value_column(i));
    }
    header.emplace_back("sku");
    for (const auto& code : price_codes) {
        header.push_back("price_" + code);
    }
    for (const auto& code : compare_codes) {
        header.push_back("compare_at_" + code);
    }
    header.emplace_back("weight_grams");
    header.emplace_back("stock");
    std::string out;
    csv::append_record(out, header);
    std::vector<std::string> cells;
    for (const auto& p : products) {
        const auto& s = p.snapshot;
        for (std::size_t i = 0; i < s.variants.size(); ++i) {
            const auto& v = s.variants[i];
            cells.clear();
            cells.push_back(s.handle);
            if (i == 0) {
                cells.push_back(s.title);
                cells.push_back(s.description);
                cells.push_back(s.status);
                std::string category;
                if (s.category_id) {
                    const auto* c = categories.find(*s.category_id);
                    category = c != nullptr ? c->handle : *s.category_id;
                }
                cells.push_back(std::move(category));
                cells.push_back(tags_cell(s.tags));
                cells.push_back(s.attributes.empty() ? "" : boost::json::serialize(s.attributes));
            } else {
                cells.resize(cells.size() + 6);
            }
            for (std::size_t o = 0; o < option_columns; ++o) {
                if (o < s.options.size()) {
                    const auto& name = s.options[o].at("name").as_string();
                    cells.emplace_back(name);
                    const auto* value = v.options.if_contains(name);
                    cells.emplace_back(
                        value != nullptr && value->is_string() ? std::string{value->get_string()}
                                                               : ""
                    );
                } else {
                    cells.emplace_back();
                    cells.emplace_back();
                }
            }
            cells.push_back(v.sku);
            auto amount_in = [](const std::vector<core::money>& prices, const std::string& code) {
                for (const auto& m : prices) {
                    if (m.currency().code() == code) {
                        return std::to_string(m.amount());
                    }
                }
                return std::string{};
            };
            for (const auto& code : price_codes) {
                cells.push_back(amount_in(v.prices, code));
            }
            for (const auto& code : compare_codes) {
                cells.push_back(amount_in(v.compare_at_prices, code));
            }
            cells.push_back(v.weight_grams ? std::to_string(*v.weight_grams) : "");
            cells.push_back(std::to_string(i < p.stock.size() ? p.stock[i].on_hand : v.stock));
            csv::append_record(out, cells);
        }
    }
    return out;
}

}  // namespace vendor::import_format
