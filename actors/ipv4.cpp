#include "actors/ipv4.hpp"

#include "config/ipv4.hpp"

namespace vcdlb::ipv4 {

// Parsing and printing are config's (one strict dotted-quad grammar for the whole project);
// this module adds the integer ranges the IP pool works with.
std::optional<uint32_t> parse(std::string_view text) noexcept {
  auto a = config::parse_ipv4(text);
  if (!a)
    return std::nullopt;
  return a->value;
}

std::string format(uint32_t addr) {
  return config::to_string(config::ipv4_address{addr});
}

std::optional<range> parse_range(std::string_view first, std::string_view last) {
  auto a = parse(first);
  if (!a)
    return std::nullopt;
  if (last.empty())
    return range{*a, *a};
  auto b = parse(last);
  if (!b || *b < *a)
    return std::nullopt;
  return range{*a, *b};
}

std::optional<range> parse_cidr(std::string_view text) noexcept {
  auto cidr = config::parse_ipv4_cidr(text);
  if (!cidr)
    return std::nullopt;
  return range{cidr->network().value, cidr->broadcast().value};
}

} // namespace vcdlb::ipv4
