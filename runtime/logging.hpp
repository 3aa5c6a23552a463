#pragma once

/// @file runtime/logging.hpp
/// @brief Process-wide logging on spdlog (CAF's own logger is compiled out in Debian's build).

#include <string_view>

#include "caf/expected.hpp"
#include "config/config.hpp"

namespace vcdlb::runtime {

/// Replaces the default logger with one writing to stderr in `format` at `level`
/// ("trace", "debug", "info", "warn", "error", "critical", "off").
/// Returns config_errc::invalid_value for an unknown level; the logger is then unchanged.
/// JSON lines carry ts, level, logger, thread and msg, each properly escaped.
[[nodiscard]] caf::expected<void> setup_logging(std::string_view level, config::log_format format);

} // namespace vcdlb::runtime
