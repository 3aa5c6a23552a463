#pragma once

/// @file adapters/kube/sim/patch.hpp
/// @brief The three PATCH flavours the apiserver accepts: RFC 7386 merge patch, RFC 6902
/// JSON patch and strategic merge patch (the subset kubectl and client libraries send).

#include <span>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "adapters/kube/sim/status.hpp"

namespace vcdlb::kube::sim {

/// RFC 7386: objects merge recursively, `null` deletes, everything else (lists too) replaces.
[[nodiscard]] boost::json::value merge_patch(boost::json::value target,
                                             const boost::json::value& patch);

/// RFC 6902 (add, remove, replace, move, copy, test). A failed op or bad pointer is 422
/// (`kind`/`name` label the error like the apiserver does); a body that is not a list is 400.
[[nodiscard]] result<boost::json::value> json_patch(boost::json::value target,
                                                    const boost::json::value& ops);

/// How one list field merges under strategic merge patch.
struct list_strategy {
  std::string path;      ///< dotted field path from the object root: "spec.ports"
  std::string merge_key; ///< key of list items ("port"); "" = a set of primitives
};

/// The list strategies of the built-in types the double serves (Service ports by port,
/// containers by name, finalizers as a primitive set, Node conditions/addresses by type,
/// ownerReferences by uid, ...). Lists not named here are replaced.
[[nodiscard]] std::span<const list_strategy> builtin_list_strategies();

/// Strategic merge patch (k8s.io/apimachinery strategicpatch): merge patch semantics plus
/// keyed list merge, `$patch: delete|replace|merge`, `$setElementOrder/<list>`,
/// `$deleteFromPrimitiveList/<list>` and `$retainKeys`. Malformed directives are 400.
[[nodiscard]] result<boost::json::value>
strategic_merge_patch(boost::json::value target, const boost::json::value& patch,
                      std::span<const list_strategy> lists = builtin_list_strategies());

} // namespace vcdlb::kube::sim
