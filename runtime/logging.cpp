#include "runtime/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "protocol/errors.hpp"
#include "runtime/detail/json_formatter.hpp"

namespace vcdlb::runtime {

caf::expected<void> setup_logging(std::string_view level, config::log_format format) {
  const auto lvl = spdlog::level::from_str(std::string{level});
  // from_str maps anything unknown to "off"; only "off" itself may mean off.
  if (lvl == spdlog::level::off && level != "off")
    return caf::make_error(config_errc::invalid_value,
                           "unknown log level '" + std::string{level}
                             + "' (expected trace, debug, info, warn, error, critical or off)");
  auto logger = std::make_shared<spdlog::logger>(
    "vcdlb", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (format == config::log_format::json)
    logger->set_formatter(std::make_unique<detail::json_formatter>());
  else
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%L%$ %v");
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return caf::unit;
}

} // namespace vcdlb::runtime
