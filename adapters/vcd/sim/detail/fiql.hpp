#pragma once

// FIQL filters as VCD's CloudAPI takes them: `field==value`, `field!=value`, `;` (AND),
// `,` (OR, binds weaker than AND) and parentheses; nested fields by dots (gatewayRef.id).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace vcdlb::vcd::sim::detail {

struct fiql_node {
  enum class type { all_of, any_of, equals, not_equals } op = type::equals;
  std::vector<fiql_node> children; ///< for all_of / any_of
  std::string field;               ///< for comparisons
  std::string value;
};

/// Parses `text`; nullopt when it is not a well-formed filter. With `encoded` (the
/// `filterEncoded=true` query flag) values are percent-decoded after splitting, so they may
/// contain `,` `;` and the like.
std::optional<fiql_node> parse_fiql(std::string_view text, bool encoded);

/// Every field the filter compares (for checking them against an endpoint's searchable list).
void fiql_fields(const fiql_node& n, std::vector<std::string>& out);

/// Answers a comparison on a pseudo-field (leading '_', e.g. `_context`) for one object.
using fiql_special = std::function<bool(std::string_view field, std::string_view value,
                                        const boost::json::value& object)>;

/// True if `object` matches. A field is looked up by its dotted path; strings compare
/// exactly, booleans as "true"/"false", numbers by their decimal text; an array on the path
/// matches if any element does; a missing field never equals anything.
bool fiql_match(const fiql_node& n, const boost::json::value& object,
                const fiql_special& special = {});

/// The value at a dotted path, or nullptr.
const boost::json::value* json_path(const boost::json::value& v, std::string_view path);

} // namespace vcdlb::vcd::sim::detail
