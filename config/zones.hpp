#pragma once

/// @file config/zones.hpp
/// @brief The zones file of a multi-zone cluster, in the upstream provider's format and place
/// (ConfigMap `vcloud-capvcd-zones`, key `vcloud-cse-zones.yaml`, mounted at
/// `/opt/vmware-cloud-director/ccm`; nodes-and-legacy-api.md §2.1):
///
///     zoneType: dcgroup
///     zones:
///     - name: zone-a
///       ovdcName: ovdc1
///
/// Strict: unknown keys, a zone without name or ovdcName, and a VDC named twice are errors.
/// `zoneType` is read and kept but means nothing to vcdlb (nor to upstream).

#include <map>
#include <string>
#include <string_view>

#include "caf/expected.hpp"

namespace vcdlb::config {

/// Where upstream's deployment mounts the zones file.
inline constexpr std::string_view default_zones_file =
  "/opt/vmware-cloud-director/ccm/vcloud-cse-zones.yaml";

struct zone_map {
  std::string zone_type;
  std::map<std::string, std::string> zone_of_vdc; ///< VDC name -> zone name
};

/// Parses the file's text; config_errc errors name the offending key.
[[nodiscard]] caf::expected<zone_map> parse_zones(std::string_view yaml);

/// Reads and parses `path` (config_errc::unreadable_file when it cannot be read).
[[nodiscard]] caf::expected<zone_map> load_zones(const std::string& path);

} // namespace vcdlb::config
