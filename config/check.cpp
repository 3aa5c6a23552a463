#include "config/check.hpp"

#include "config/format.hpp"
#include "config/load.hpp"

namespace vcdlb::config {

check_report check_configuration(const std::filesystem::path& config_file,
                                 const std::filesystem::path& secrets_dir,
                                 const parse_options& options) {
  auto loaded = load_all(config_file, secrets_dir, options);
  if (!loaded.ok())
    return {false, format_problems(loaded.problems(), config_file.string())};
  return {true, format_effective_config(loaded->config, &loaded->creds, secrets_dir.string())};
}

} // namespace vcdlb::config
