#include "config/ipv4.hpp"

#include <charconv>

namespace vcdlb::config {

namespace {

uint32_t mask_of(int prefix) noexcept {
  return prefix == 0 ? 0u : ~uint32_t{0} << (32 - prefix);
}

// Parses a decimal number without sign, leading zeros (except "0" itself) or blanks.
std::optional<unsigned> parse_decimal(std::string_view text, unsigned max) noexcept {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0'))
    return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max)
    return std::nullopt;
  return value;
}

} // namespace

ipv4_address ipv4_cidr::network() const noexcept {
  return ipv4_address{address.value & mask_of(prefix)};
}

ipv4_address ipv4_cidr::broadcast() const noexcept {
  return ipv4_address{address.value | ~mask_of(prefix)};
}

bool ipv4_cidr::contains(ipv4_address a) const noexcept {
  return (a.value & mask_of(prefix)) == network().value;
}

std::optional<ipv4_address> parse_ipv4(std::string_view text) noexcept {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    auto dot = text.find('.');
    if ((i < 3) != (dot != std::string_view::npos))
      return std::nullopt;
    auto octet = parse_decimal(text.substr(0, dot), 255);
    if (!octet)
      return std::nullopt;
    value = (value << 8) | *octet;
    text = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  }
  return ipv4_address{value};
}

std::optional<ipv4_cidr> parse_ipv4_cidr(std::string_view text) noexcept {
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return std::nullopt;
  auto address = parse_ipv4(text.substr(0, slash));
  auto prefix = parse_decimal(text.substr(slash + 1), 32);
  if (!address || !prefix)
    return std::nullopt;
  return ipv4_cidr{*address, static_cast<int>(*prefix)};
}

std::string to_string(ipv4_address a) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (!out.empty())
      out += '.';
    out += std::to_string((a.value >> shift) & 0xffu);
  }
  return out;
}

} // namespace vcdlb::config
