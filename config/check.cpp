#include "config/check.hpp"

#include "config/credentials.hpp"
#include "config/format.hpp"

namespace vcdlb::config {

check_report check_configuration(const std::filesystem::path& config_file,
                                 const std::filesystem::path& secrets_dir,
                                 const parse_options& options) {
  auto cfg = load_config_file(config_file, options);
  auto files = read_secret_files(secrets_dir);
  std::vector<problem> problems = cfg.problems();
  problems.insert(problems.end(), files.problems().begin(), files.problems().end());
  if (cfg.ok() && files.ok()) {
    auto creds = resolve_credentials(files.value(), cfg->vcd, secrets_dir);
    if (creds.ok())
      return {true, format_effective_config(cfg.value(), &creds.value(), secrets_dir.string())};
    problems = creds.problems();
  }
  return {false, format_problems(problems, config_file.string())};
}

} // namespace vcdlb::config
