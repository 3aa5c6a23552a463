#include "adapters/vcd/ip_address.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>

namespace vcdlb::vcd {

namespace {

// The address in network byte order (4 or 16 bytes used) and its family's width in bits.
struct parsed_address {
  std::array<unsigned char, 16> bytes{};
  int bits = 0;
};

std::optional<parsed_address> parse_address(std::string_view text) {
  // inet_pton needs a terminated string; addresses are short, so copy.
  if (text.empty() || text.size() > 45)
    return std::nullopt;
  std::string copy{text};
  parsed_address out;
  if (inet_pton(AF_INET, copy.c_str(), out.bytes.data()) == 1) {
    out.bits = 32;
    return out;
  }
  if (inet_pton(AF_INET6, copy.c_str(), out.bytes.data()) == 1) {
    out.bits = 128;
    return out;
  }
  return std::nullopt;
}

} // namespace

bool is_cidr(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return false;
  auto addr = parse_address(text.substr(0, slash));
  auto prefix_text = text.substr(slash + 1);
  if (!addr || prefix_text.empty() || prefix_text.size() > 3)
    return false;
  int prefix = -1;
  auto [ptr, ec] =
    std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
  return ec == std::errc{} && ptr == prefix_text.data() + prefix_text.size() && prefix >= 0
         && prefix <= addr->bits;
}

bool is_ip_set_address(std::string_view text) {
  if (text.find('/') != std::string_view::npos)
    return is_cidr(text);
  auto dash = text.find('-');
  if (dash == std::string_view::npos)
    return parse_address(text).has_value();
  auto first = parse_address(text.substr(0, dash));
  auto last = parse_address(text.substr(dash + 1));
  if (!first || !last || first->bits != last->bits)
    return false;
  auto n = static_cast<size_t>(first->bits / 8);
  return std::memcmp(first->bytes.data(), last->bytes.data(), n) <= 0;
}

} // namespace vcdlb::vcd
