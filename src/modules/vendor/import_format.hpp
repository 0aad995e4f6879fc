// The CSV format of catalog imports and exports (docs/catalog-import.md): the header contract, a
// product's rows turned into a validated product (the field rules are validation.cpp's, reached
// through parse_product, with its errors mapped back to rows and columns), and the export's rows.
// Pure functions, so they are unit-tested directly.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/money.hpp"
#include "core/result.hpp"
#include "modules/admin/categories.hpp"
#include "modules/vendor/csv.hpp"
#include "modules/vendor/model.hpp"
#include "modules/vendor/validation.hpp"

namespace vendor::import_format {

inline constexpr std::size_t option_columns = 3;

// Where each column of the contract is in a file's header (-1: absent).
struct columns {
    int handle = -1;
    int title = -1;
    int description = -1;
    int status = -1;
    int category = -1;
    int tags = -1;
    int attributes = -1;
    std::array<int, option_columns> option_name{-1, -1, -1};
    std::array<int, option_columns> option_value{-1, -1, -1};
    int sku = -1;
    int weight_grams = -1;
    int stock = -1;
    std::vector<std::pair<core::currency, int>> prices;      // price_<CUR>
    std::vector<std::pair<core::currency, int>> compare_at;  // compare_at_<CUR>
    std::size_t count = 0;  // cells of the header: every row must have as many
};

// The header against the contract: `invalid` naming each unknown, repeated or missing column
// (pointer /header/<column>).
core::result<columns> read_header(const std::vector<std::string>& header);

// One line of the error report.
struct row_error {
    std::int64_t row = 0;
    std::string column;
    std::string message;
};

// The rows of one product (same handle), in file order.
struct product_rows {
    std::string handle;
    std::vector<const csv::record*> rows;
};

// Groups records by handle, in order of first appearance. Records without a valid handle are
// reported and left out.
std::vector<product_rows> group_rows(
    const csv::table& t, const columns& cols, std::vector<row_error>& errors
);

// What validating a product's rows needs to know beyond them.
struct context {
    const columns& cols;
    const admin::category_tree& categories;
    // The store's SKUs that belong to a product: SKU -> product id (any status).
    const std::unordered_map<std::string, std::string>& sku_owner;
    // Each SKU's first row in the file; a later row with the same SKU is a duplicate.
    const std::unordered_map<std::string, std::int64_t>& sku_first_row;
};

// A product ready to write: variants merged with the stored product's (matched by SKU; stored
// variants missing from the file are kept as they are).
struct product_plan {
    product_draft draft;                // validated by parse_product
    std::optional<std::string> status;  // draft | published | archived when the file says
    std::vector<std::int64_t> rows;     // the rows written
};

struct product_outcome {
    std::optional<product_plan> plan;  // nullopt: nothing of this product can be written
    std::vector<row_error> errors;
    std::vector<std::int64_t> failed_rows;  // rows not written
};

// Validates a product's rows; `current` is the stored product with that handle (not deleted),
// if any. Bad variant rows are left out and the rest validated again; a product-level error
// fails every row of the product.
product_outcome plan_product(const context& ctx, const product_rows& rows, const product* current);

// Each SKU's first row in the file (plan_product reports the later ones as duplicates).
std::unordered_map<std::string, std::int64_t> first_rows_of_skus(
    const std::vector<product_rows>& groups, const columns& cols
);

// The export: the header for these products (price and compare-at columns for every currency
// they use), then one row per variant, product fields on a product's first row.
std::string export_csv(
    const std::vector<product>& products, const admin::category_tree& categories
);

}  // namespace vendor::import_format
