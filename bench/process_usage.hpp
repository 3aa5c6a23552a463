#pragma once

/// @file bench/process_usage.hpp
/// @brief CPU time and memory of this process (and of some of its threads), read from
/// getrusage(2) and Linux's /proc, for the bench report.
///
/// Thread-safety: every function may be called from any thread; nothing is cached.

#include <cstdint>
#include <string_view>

namespace vcdlb::bench {

/// One reading of the process's resource use.
struct usage_sample {
  double cpu_seconds = 0;       ///< user + system time of the whole process so far
  double named_cpu_seconds = 0; ///< user + system time of the threads named as asked
  uint64_t rss_bytes = 0;       ///< resident set size now (0 without /proc)
  uint64_t peak_rss_bytes = 0;  ///< the process's peak resident set size so far
};

/// Reads the process's CPU time and memory; `named_cpu_seconds` sums the threads whose
/// name (/proc/self/task/<tid>/comm) equals `thread_name` ("" sums none). Threads that
/// already ended are not in it, so callers name long-lived threads only.
[[nodiscard]] usage_sample sample_usage(std::string_view thread_name = {});

} // namespace vcdlb::bench
