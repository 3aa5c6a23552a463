#include "config/load.hpp"

namespace vcdlb::config {

checked<loaded_config> load_all(const std::filesystem::path& config_file,
                                const std::filesystem::path& secrets_dir,
                                const parse_options& options) {
  auto cfg = load_config_file(config_file, options);
  auto files = read_secret_files(secrets_dir);
  if (!cfg.ok() || !files.ok()) {
    std::vector<problem> problems = cfg.problems();
    problems.insert(problems.end(), files.problems().begin(), files.problems().end());
    return problems;
  }
  auto creds = resolve_credentials(files.value(), cfg->vcd, secrets_dir);
  if (!creds.ok())
    return creds.problems();
  return loaded_config{std::move(cfg).value(), std::move(creds).value()};
}

} // namespace vcdlb::config
