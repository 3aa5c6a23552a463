#include "config/zones.hpp"

#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "protocol/errors.hpp"

namespace vcdlb::config {

namespace {

caf::error zones_error(config_errc code, const std::string& where, const std::string& what) {
  return caf::make_error(code, "zones file: " + where + ": " + what);
}

} // namespace

caf::expected<zone_map> parse_zones(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string{yaml});
  } catch (const YAML::Exception& e) {
    return zones_error(config_errc::invalid_yaml, "(root)", e.what());
  }
  // yaml-cpp throws on type mismatches; each access is guarded so a bad node is an error value.
  try {
    if (!root.IsMap())
      return zones_error(config_errc::invalid_yaml, "(root)", "expected a mapping");
    zone_map out;
    for (const auto& kv : root) {
      auto key = kv.first.as<std::string>();
      if (key != "zoneType" && key != "zones")
        return zones_error(config_errc::unknown_key, key, "unknown key");
    }
    if (auto t = root["zoneType"]; t && !t.IsNull()) {
      if (!t.IsScalar())
        return zones_error(config_errc::wrong_type, "zoneType", "expected a string");
      out.zone_type = t.as<std::string>();
    }
    auto zones = root["zones"];
    if (!zones || zones.IsNull())
      return out;
    if (!zones.IsSequence())
      return zones_error(config_errc::wrong_type, "zones", "expected a list");
    for (size_t i = 0; i < zones.size(); ++i) {
      auto where = "zones[" + std::to_string(i) + "]";
      const auto& z = zones[i];
      if (!z.IsMap())
        return zones_error(config_errc::wrong_type, where, "expected a mapping");
      for (const auto& kv : z) {
        auto key = kv.first.as<std::string>();
        if (key != "name" && key != "ovdcName")
          return zones_error(config_errc::unknown_key, where + "." + key, "unknown key");
      }
      auto name = z["name"];
      auto vdc = z["ovdcName"];
      if (!name || !name.IsScalar() || name.as<std::string>().empty())
        return zones_error(config_errc::missing_key, where + ".name", "required");
      if (!vdc || !vdc.IsScalar() || vdc.as<std::string>().empty())
        return zones_error(config_errc::missing_key, where + ".ovdcName", "required");
      auto [it, fresh] = out.zone_of_vdc.emplace(vdc.as<std::string>(), name.as<std::string>());
      if (!fresh)
        return zones_error(config_errc::invalid_value, where + ".ovdcName",
                           "VDC '" + it->first + "' is in two zones");
    }
    return out;
  } catch (const YAML::Exception& e) {
    return zones_error(config_errc::wrong_type, "(root)", e.what());
  }
}

caf::expected<zone_map> load_zones(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return caf::make_error(config_errc::unreadable_file, "cannot read zones file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_zones(text.str());
}

} // namespace vcdlb::config
