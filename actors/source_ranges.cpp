#include "actors/source_ranges.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "protocol/errors.hpp"

namespace vcdlb {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::optional<std::string> normalize_cidr(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash > 45)
    return std::nullopt;
  std::string addr{text.substr(0, slash)};
  auto prefix_text = text.substr(slash + 1);
  int prefix = -1;
  auto [ptr, ec] =
    std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
  if (prefix_text.empty() || prefix_text.size() > 3 || ec != std::errc{}
      || ptr != prefix_text.data() + prefix_text.size())
    return std::nullopt;
  std::array<unsigned char, 16> bytes{};
  int family = AF_INET;
  int bits = 32;
  if (inet_pton(AF_INET, addr.c_str(), bytes.data()) != 1) {
    if (inet_pton(AF_INET6, addr.c_str(), bytes.data()) != 1)
      return std::nullopt;
    family = AF_INET6;
    bits = 128;
  }
  if (prefix < 0 || prefix > bits)
    return std::nullopt;
  // Clear the host bits: the network the CIDR names.
  for (int i = 0; i < bits / 8; ++i) {
    int keep = std::clamp(prefix - 8 * i, 0, 8);
    bytes[static_cast<size_t>(i)] &= static_cast<unsigned char>(0xFF00 >> keep);
  }
  std::array<char, INET6_ADDRSTRLEN> out{};
  if (inet_ntop(family, bytes.data(), out.data(), out.size()) == nullptr)
    return std::nullopt;
  return std::string{out.data()} + "/" + std::to_string(prefix);
}

caf::expected<source_ranges> parse_source_ranges(const std::vector<std::string>& field,
                                                 std::string_view annotation) {
  std::vector<std::string_view> entries;
  std::string where;
  if (!field.empty()) {
    where = "spec.loadBalancerSourceRanges";
    for (const auto& f : field)
      entries.push_back(trim(f));
  } else {
    auto value = trim(annotation);
    if (value.empty())
      return source_ranges{};
    where = "annotation " + std::string{source_ranges_annotation};
    while (true) {
      auto comma = value.find(',');
      entries.push_back(trim(value.substr(0, comma)));
      if (comma == std::string_view::npos)
        break;
      value.remove_prefix(comma + 1);
    }
  }
  source_ranges out;
  out.allow_all = false;
  for (auto e : entries) {
    auto cidr = normalize_cidr(e);
    if (!cidr)
      return caf::make_error(lb_errc::invalid_service,
                             where + ": '" + std::string{e}
                               + "' is not a CIDR (expected e.g. 203.0.113.0/24 or 2001:db8::/32)");
    out.cidrs.push_back(std::move(*cidr));
  }
  std::sort(out.cidrs.begin(), out.cidrs.end());
  out.cidrs.erase(std::unique(out.cidrs.begin(), out.cidrs.end()), out.cidrs.end());
  if (std::find(out.cidrs.begin(), out.cidrs.end(), "0.0.0.0/0") != out.cidrs.end())
    return source_ranges{};
  return out;
}

} // namespace vcdlb
