#pragma once

/// @file adapters/kube/sim/openapi.hpp
/// @brief The OpenAPI documents of the API server double, and the server-side field
/// validation (`?fieldValidation=Strict`) they announce.
///
/// kubectl validates what it applies against the server: it reads `/openapi/v3` and the
/// group-version document (`/openapi/v3/api/v1`) (kubectl 1.29+; 1.27 and 1.28 read
/// `/openapi/v2` as protobuf), and when the PATCH operation of the kind lists the
/// `fieldValidation` query parameter it leaves validation to the server and sends
/// `fieldValidation=Strict`. The double serves v3 and v2 (JSON with schemas, or protobuf
/// without), and rejects unknown fields under Strict like the apiserver.
/// Pure functions over the resource table; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "adapters/kube/sim/resources.hpp"

namespace vcdlb::kube::sim {

/// `GET /openapi/v3`: the group versions and where their documents are.
[[nodiscard]] boost::json::object openapi_v3_root();

/// `GET /openapi/v3/api/v1` (group "") or `/openapi/v3/apis/<group>/<version>`; nullopt for a
/// group version the double does not serve.
[[nodiscard]] std::optional<boost::json::object> openapi_v3_document(std::string_view group,
                                                                     std::string_view version);

/// `GET /openapi/v2` (Swagger 2.0, JSON).
[[nodiscard]] boost::json::object openapi_v2_document();

/// The media type client-go asks `/openapi/v2` for (kube-openapi also accepts ".v1.0" for
/// "@v1.0"), and the one the apiserver answers with: Go's mime parser refuses the '@'.
inline constexpr std::string_view openapi_v2_protobuf_accept = "com.github.proto-openapi.spec.v2";
inline constexpr std::string_view openapi_v2_protobuf_type =
  "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/// `GET /openapi/v2` as protobuf (gnostic's openapi.v2.Document), as kubectl 1.27 and 1.28
/// read it to find out whether the server validates fields: the swagger version, info and the
/// write operations of every path with their group-version-kind and `fieldValidation`
/// parameter; no schemas (kubectl then builds patches from its compiled-in types).
[[nodiscard]] std::string openapi_v2_protobuf();

/// The fields of `obj` (a whole object of kind `r`, or a merge / strategic merge patch of one)
/// that its schema does not declare, as dotted paths ("spec.foo", "spec.ports[0].bar"), in
/// document order. Subtrees the schema leaves open (labels, annotations, Node status, ...)
/// are not checked; keys starting with '$' (strategic merge directives) are skipped.
[[nodiscard]] std::vector<std::string> unknown_fields(const resource_info& r,
                                                      const boost::json::object& obj);

} // namespace vcdlb::kube::sim
