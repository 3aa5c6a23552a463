#pragma once

/// @file adapters/kube/sim/selectors.hpp
/// @brief labelSelector and fieldSelector parsing and matching, as the apiserver does it.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "adapters/kube/sim/status.hpp"

namespace vcdlb::kube::sim {

/// One requirement of a label selector.
struct label_requirement {
  enum class op { equals, not_equals, in, not_in, exists, not_exists };
  std::string key;
  op operation = op::exists;
  std::vector<std::string> values;
};

/// A parsed label selector: all requirements must hold. Empty = matches everything.
struct label_selector {
  std::vector<label_requirement> requirements;
  /// True when `labels` (an object of string values, possibly absent) satisfies every
  /// requirement.
  [[nodiscard]] bool matches(const boost::json::object* labels) const;
};

/// Parses `a=b,c==d,e!=f,g in (x,y),h notin (z),i,!j`; 400 BadRequest on bad syntax.
[[nodiscard]] result<label_selector> parse_label_selector(std::string_view text);

/// One `field=value` / `field!=value` term.
struct field_requirement {
  std::string field; ///< "metadata.name", "spec.unschedulable", ...
  std::string value;
  bool negated = false;
};

/// A parsed field selector: all terms must hold.
struct field_selector {
  std::vector<field_requirement> requirements;
  /// True when `object` satisfies every term (missing fields compare as "").
  [[nodiscard]] bool matches(const boost::json::object& object) const;
};

/// Parses a fieldSelector; fields outside metadata.name, metadata.namespace and
/// `extra_fields` answer 400 `field label not supported: <field>`.
[[nodiscard]] result<field_selector>
parse_field_selector(std::string_view text, std::span<const std::string> extra_fields);

} // namespace vcdlb::kube::sim
