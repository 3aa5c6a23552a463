#pragma once

/// @file actors/rde/detail/entity_json.hpp
/// @brief What every edit of a cluster entity's body starts with: parse it and find its
/// `entity.status` object (both the capvcdCluster and the nativeCluster edits need it).

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "caf/error.hpp"
#include "caf/expected.hpp"

namespace vcdlb::rde::detail {

/// vcd_errc::bad_response with `what`: VCD answered with an entity vcdlb cannot edit.
[[nodiscard]] caf::error bad_entity(std::string what);

/// The entity body parsed, with `entity.status` checked to be an object. `initialiser` names
/// who creates the status ("CAPVCD", "CSE") for the error when it is missing.
[[nodiscard]] caf::expected<boost::json::value> parse_entity_body(std::string_view body,
                                                                  std::string_view initialiser);

/// `entity.status` of a document `parse_entity_body` returned.
[[nodiscard]] boost::json::object& status_of(boost::json::value& doc);

} // namespace vcdlb::rde::detail
