#pragma once

/// @file adapters/vcd/detail/entity_json.hpp
/// @brief DefinedEntity and DefinedEntityType JSON -> adapters/vcd/types.hpp. Private to the VCD
/// adapter. The entity's body is kept verbatim (defined_entity::body); only the identifying
/// fields are read out. Malformed input is `vcd_errc::bad_response`; nothing throws.

#include <string>
#include <string_view>

#include "adapters/vcd/types.hpp"
#include "caf/expected.hpp"

namespace vcdlb::vcd::detail {

/// A DefinedEntity body; `etag` is the response's ETag header. The body must be a JSON object
/// with a string `id` and an object `entity`.
[[nodiscard]] caf::expected<defined_entity> decode_defined_entity(std::string_view body,
                                                                  std::string etag);

/// A DefinedEntityType body (`id` required; name, vendor, nss, version as given).
[[nodiscard]] caf::expected<defined_entity_type> decode_defined_entity_type(std::string_view body);

} // namespace vcdlb::vcd::detail
