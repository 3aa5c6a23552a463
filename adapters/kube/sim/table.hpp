#pragma once

/// @file adapters/kube/sim/table.hpp
/// @brief Server-side printing: the `meta.k8s.io/v1` Table kubectl asks for with
/// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, so `kubectl get` shows the usual
/// columns (TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), ... for Services).

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "adapters/kube/sim/clock.hpp"
#include "adapters/kube/sim/resources.hpp"

namespace vcdlb::kube::sim {

/// What each row carries besides its cells (`includeObject` query parameter).
enum class table_object { none, metadata, full };

/// Whether an Accept header asks for a Table (any `as=Table` alternative).
[[nodiscard]] bool wants_table(std::string_view accept);

/// `includeObject`: "None", "Object", default "Metadata".
[[nodiscard]] table_object parse_include_object(std::string_view value);

/// A Table of `objects` (rows in order). `with_columns` false omits columnDefinitions (watch
/// events after the first). `resource_version` and `continue_token` go to its metadata when
/// non-empty.
[[nodiscard]] boost::json::object
make_table(const resource_info& r, std::span<const boost::json::object* const> objects,
           sim_clock::time_point now, bool with_columns, table_object include,
           std::string_view resource_version = {}, std::string_view continue_token = {});

/// kubectl's age format (k8s.io/apimachinery duration.HumanDuration): "42s", "3m5s", "2d4h".
[[nodiscard]] std::string human_duration(std::chrono::seconds d);

} // namespace vcdlb::kube::sim
