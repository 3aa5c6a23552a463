#include "bench/process_usage.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace vcdlb::bench {

namespace {

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

// utime + stime (fields 14 and 15) of a /proc stat line, in seconds. The command name (field
// 2) is in parentheses and may contain spaces, so parsing starts after the last ')'.
double stat_cpu_seconds(const std::string& line) {
  auto close = line.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream in{line.substr(close + 1)};
  std::string field;
  // After ')' come fields 3 (state), 4, ...; `i` is the field number of the token read.
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  for (int i = 3; i <= 15 && (in >> field); ++i) {
    if (i == 14)
      utime = std::stoull(field);
    else if (i == 15)
      stime = std::stoull(field);
  }
  auto ticks = sysconf(_SC_CLK_TCK);
  return ticks > 0 ? static_cast<double>(utime + stime) / static_cast<double>(ticks) : 0;
}

std::string read_first_line(const std::filesystem::path& p) {
  std::ifstream in{p};
  std::string line;
  std::getline(in, line);
  return line;
}

double named_threads_cpu(std::string_view name) {
  if (name.empty())
    return 0;
  double total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator{"/proc/self/task", ec}) {
    if (read_first_line(entry.path() / "comm") != name)
      continue;
    auto line = read_first_line(entry.path() / "stat");
    try {
      total += stat_cpu_seconds(line);
    } catch (const std::exception&) {
      // A thread that ended between the two reads leaves a short line: skip it.
    }
  }
  return total;
}

uint64_t current_rss() {
  std::ifstream in{"/proc/self/statm"};
  uint64_t size = 0;
  uint64_t resident = 0;
  if (!(in >> size >> resident))
    return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

} // namespace

usage_sample sample_usage(std::string_view thread_name) {
  usage_sample s;
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    s.cpu_seconds = seconds(ru.ru_utime) + seconds(ru.ru_stime);
    s.peak_rss_bytes = static_cast<uint64_t>(ru.ru_maxrss) * 1024; // Linux reports KiB
  }
  s.named_cpu_seconds = named_threads_cpu(thread_name);
  s.rss_bytes = current_rss();
  return s;
}

} // namespace vcdlb::bench
