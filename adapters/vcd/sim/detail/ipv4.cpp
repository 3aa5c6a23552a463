#include "adapters/vcd/sim/detail/ipv4.hpp"

#include <charconv>

namespace vcdlb::vcd::sim::detail {

namespace {

std::optional<uint32_t> parse_uint(std::string_view text, uint32_t max) {
  if (text.empty() || text.size() > 10)
    return std::nullopt;
  uint32_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value > max)
    return std::nullopt;
  return value;
}

} // namespace

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  uint32_t result = 0;
  for (int i = 0; i < 4; ++i) {
    auto dot = text.find('.');
    if ((dot == std::string_view::npos) != (i == 3))
      return std::nullopt;
    auto part = parse_uint(text.substr(0, dot), 255);
    if (!part)
      return std::nullopt;
    result = (result << 8) | *part;
    text = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  }
  return result;
}

std::string format_ipv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xff) + "."
         + std::to_string((ip >> 8) & 0xff) + "." + std::to_string(ip & 0xff);
}

std::optional<int> parse_version(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos)
    return std::nullopt;
  auto major = parse_uint(text.substr(0, dot), 999);
  auto minor = parse_uint(text.substr(dot + 1), 99);
  if (!major || !minor)
    return std::nullopt;
  return static_cast<int>(*major * 100 + *minor);
}

std::string format_version(int v) {
  return std::to_string(v / 100) + "." + std::to_string(v % 100);
}

} // namespace vcdlb::vcd::sim::detail
