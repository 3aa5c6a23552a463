#include "config/host_port.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "config/ipv4.hpp"

namespace vcdlb::config {

namespace {

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool is_dns_name(std::string_view s) {
  if (s.empty() || s.size() > 253)
    return false;
  // An all-numeric last label means a mistyped IPv4 address ("10.0.0.300"), not a name.
  auto last = s.substr(s.rfind('.') == std::string_view::npos ? 0 : s.rfind('.') + 1);
  if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  while (!s.empty()) {
    auto dot = s.find('.');
    auto label = s.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
        }))
      return false;
    s = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    if (dot != std::string_view::npos && s.empty())
      return false; // trailing dot
  }
  return true;
}

bool is_ipv6_text(std::string_view s) {
  return !s.empty() && s.find(':') != std::string_view::npos
         && std::all_of(s.begin(), s.end(), [](char c) {
              return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
            });
}

} // namespace

std::optional<host_port> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return std::nullopt;
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size()
      || port == 0 || port > 65535)
    return std::nullopt;
  if (host.starts_with('[')) {
    if (!host.ends_with(']') || !is_ipv6_text(host.substr(1, host.size() - 2)))
      return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (!host.empty() && !parse_ipv4(host) && !is_dns_name(host)) {
    return std::nullopt;
  }
  return host_port{std::string{host}, static_cast<uint16_t>(port)};
}

} // namespace vcdlb::config
