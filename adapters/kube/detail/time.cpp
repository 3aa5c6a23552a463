#include "adapters/kube/detail/time.hpp"

#include <cstdio>
#include <ctime>

namespace vcdlb::kube::detail {

namespace {

std::string format(std::chrono::system_clock::time_point t, bool micro) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  auto us = duration_cast<microseconds>(t - secs).count();
  std::time_t tt = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[128];
  if (micro)
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(us));
  else
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

} // namespace

std::string format_time(std::chrono::system_clock::time_point t) {
  return format(t, false);
}

std::string format_micro_time(std::chrono::system_clock::time_point t) {
  return format(t, true);
}

} // namespace vcdlb::kube::detail
