#include "actors/ipv4.hpp"

namespace vcdlb::ipv4 {

std::optional<uint32_t> parse(std::string_view text) noexcept {
  uint32_t result = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9')
      return std::nullopt;
    size_t start = i;
    uint32_t octet = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      octet = octet * 10 + static_cast<uint32_t>(text[i] - '0');
      if (octet > 255 || i - start >= 3)
        return std::nullopt;
      ++i;
    }
    if (i - start > 1 && text[start] == '0')
      return std::nullopt; // "010" is ambiguous (octal in some parsers): refuse
    result = (result << 8) | octet;
    ++parts;
    if (parts < 4) {
      if (i >= text.size() || text[i] != '.')
        return std::nullopt;
      ++i;
    }
  }
  if (i != text.size())
    return std::nullopt;
  return result;
}

std::string format(uint32_t addr) {
  std::string out;
  out.reserve(15);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((addr >> shift) & 0xFF);
    if (shift > 0)
      out += '.';
  }
  return out;
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
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return std::nullopt;
  auto addr = parse(text.substr(0, slash));
  auto bits_text = text.substr(slash + 1);
  if (!addr || bits_text.empty() || bits_text.size() > 2)
    return std::nullopt;
  uint32_t bits = 0;
  for (char c : bits_text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    bits = bits * 10 + static_cast<uint32_t>(c - '0');
  }
  if (bits > 32)
    return std::nullopt;
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return range{*addr & mask, (*addr & mask) | ~mask};
}

} // namespace vcdlb::ipv4
