#pragma once

/// @file adapters/vcd/fiql.hpp
/// @brief FIQL filters for CloudAPI list calls (`filter=name==x;scope==TENANT`).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vcdlb::vcd {

/// One `field==value` comparison.
struct fiql_term {
  std::string field; ///< e.g. "name", "gatewayRef.id"
  std::string value; ///< raw, unescaped
  friend bool operator==(const fiql_term&, const fiql_term&) = default;
};

/// A FIQL filter in conjunctive form: an AND (`;`) of clauses, each an OR (`,`) of `==` terms.
/// The default value matches everything (no `filter` parameter is sent). A plain value type.
///
/// Values that contain FIQL-reserved characters (`,` `;` `(` `)` `*` `+` `=` `!` `'` `"`
/// `%` space, or any non-ASCII byte) cannot be filtered as they are (vcd-cloudapi.md §5.2): the
/// whole filter then uses percent-encoded values and the request carries `filterEncoded=true`.
class fiql {
public:
  fiql() = default;

  /// `field==value`.
  [[nodiscard]] static fiql eq(std::string field, std::string value);

  /// Adds `;field==value`.
  fiql& with(std::string field, std::string value);

  /// Adds `;(a==x,b==y)` (a single alternative is written without parentheses).
  fiql& with_any(std::vector<fiql_term> alternatives);

  [[nodiscard]] bool empty() const noexcept { return clauses_.empty(); }
  [[nodiscard]] const std::vector<std::vector<fiql_term>>& clauses() const noexcept {
    return clauses_;
  }

  /// True when some value needs escaping (and the request must say `filterEncoded=true`).
  [[nodiscard]] bool needs_encoding() const;

  /// The expression, e.g. `name==a;(type==X,type==Y)`, with values percent-encoded when
  /// `needs_encoding()`. Still to be percent-encoded as a query parameter value.
  [[nodiscard]] std::string expression() const;

  /// The query parameters for a list call: `filter=<encoded expression>` plus
  /// `&filterEncoded=true` when needed; "" for an empty filter.
  [[nodiscard]] std::string query_parameters() const;

  /// Evaluates the filter against an object: `field_value(field)` returns the object's value
  /// for a field, or nullopt when it has no such field (which fails that term).
  [[nodiscard]] bool
  matches(const std::function<std::optional<std::string>(std::string_view)>& field_value) const;

  friend bool operator==(const fiql&, const fiql&) = default;

private:
  std::vector<std::vector<fiql_term>> clauses_;
};

/// True when `value` contains a character that breaks plain FIQL filtering.
[[nodiscard]] bool fiql_value_needs_encoding(std::string_view value);

/// Percent-encodes everything but RFC 3986 unreserved characters ("a b" -> "a%20b").
[[nodiscard]] std::string url_encode(std::string_view text);

} // namespace vcdlb::vcd
