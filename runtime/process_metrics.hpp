#pragma once

/// @file runtime/process_metrics.hpp
/// @brief The standard `process_*` metrics of Prometheus clients (CPU, memory, file
/// descriptors, start time), read from Linux's /proc at scrape time.

#include "caf/error.hpp"
#include "runtime/metrics.hpp"

namespace vcdlb::runtime {

/// Registers `process_cpu_seconds_total`, `process_resident_memory_bytes`,
/// `process_virtual_memory_bytes`, `process_open_fds`, `process_max_fds` and
/// `process_start_time_seconds` in `reg`, with a collect hook that refreshes them from
/// /proc/self on every exposition (a few small file reads). Values that cannot be read (no
/// /proc) stay at their last value. Fails (config_errc::invalid_value) when a name is taken.
/// Thread-safe like the registry.
[[nodiscard]] caf::error add_process_metrics(metrics::registry& reg);

} // namespace vcdlb::runtime
