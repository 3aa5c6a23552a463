#include "adapters/http/detail/proxy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "protocol/errors.hpp"

namespace vcdlb::http::detail {

namespace {

std::string env_any(const char* upper, const char* lower) {
  if (const char* v = std::getenv(upper); v != nullptr && *v != '\0')
    return v;
  if (const char* v = std::getenv(lower); v != nullptr && *v != '\0')
    return v;
  return {};
}

std::string lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s)
    out.push_back(static_cast<char>(std::tolower(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

// An IPv4 or IPv6 address in a common 16-byte form (IPv4 as ::ffff:a.b.c.d, like Go's net.IP).
struct ip_address {
  std::array<unsigned char, 16> bytes{};
  bool v4 = false;
};

std::optional<ip_address> parse_ip(std::string_view text) {
  std::string s{text};
  ip_address ip;
  unsigned char v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) {
    ip.v4 = true;
    ip.bytes[10] = 0xFF;
    ip.bytes[11] = 0xFF;
    std::memcpy(ip.bytes.data() + 12, v4, 4);
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1)
    return ip;
  return std::nullopt;
}

bool is_loopback(const ip_address& ip) {
  static constexpr std::array<unsigned char, 16> v6_loopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                             0, 0, 0, 0, 0, 0, 0, 1};
  if (ip.v4)
    return ip.bytes[12] == 127;
  return ip.bytes == v6_loopback;
}

// "10.0.0.0/8" or "fd00::/8": true when `ip` is inside.
std::optional<bool> cidr_contains(std::string_view cidr, const ip_address& ip) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos)
    return std::nullopt;
  auto net = parse_ip(cidr.substr(0, slash));
  if (!net)
    return std::nullopt;
  auto bits_text = cidr.substr(slash + 1);
  unsigned bits = 0;
  auto [end, ec] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
  if (ec != std::errc{} || end != bits_text.data() + bits_text.size()
      || bits > (net->v4 ? 32 : 128))
    return std::nullopt;
  if (net->v4 != ip.v4)
    return false;
  if (net->v4)
    bits += 96;
  for (unsigned i = 0; i < bits; ++i) {
    unsigned mask = 0x80u >> (i % 8);
    if ((net->bytes[i / 8] & mask) != (ip.bytes[i / 8] & mask))
      return false;
  }
  return true;
}

// Splits "host:port" / "[v6]:port"; nullopt when there is no port.
std::optional<std::pair<std::string_view, std::string_view>> split_host_port(std::string_view s) {
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return std::nullopt;
    return std::pair{s.substr(1, close - 1), s.substr(close + 2)};
  }
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos || s.find(':') != colon)
    return std::nullopt;
  return std::pair{s.substr(0, colon), s.substr(colon + 1)};
}

std::string base64(std::string_view in) {
  static constexpr char table[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16)
                 | (static_cast<unsigned char>(in[i + 1]) << 8)
                 | static_cast<unsigned char>(in[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v =
      (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

caf::expected<proxy_endpoint> parse_proxy(std::string_view raw) {
  std::string text{trim(raw)};
  if (text.find("://") == std::string::npos)
    text = "http://" + text; // Go accepts "host:port" and means http
  auto scheme_end = text.find("://");
  auto scheme = lower(std::string_view{text}.substr(0, scheme_end));
  if (scheme != "http")
    // The password may be in the text, so only the scheme is quoted.
    return caf::make_error(net_errc::protocol_error,
                           "proxy scheme \"" + scheme + "\" is not supported (only http)");
  proxy_endpoint out;
  auto rest = std::string_view{text}.substr(scheme_end + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    auto user_info = authority.substr(0, at);
    out.authorization = "Basic " + base64(percent_decode(user_info));
    authority = authority.substr(at + 1);
  }
  auto parsed = parse_url("http://" + std::string{authority});
  if (!parsed)
    return caf::make_error(net_errc::protocol_error,
                           "invalid proxy address \"" + std::string{authority} + "\"");
  out.host = parsed->host;
  out.port = parsed->port;
  return out;
}

} // namespace

proxy_settings proxy_settings::from_environment() {
  return {env_any("HTTP_PROXY", "http_proxy"), env_any("HTTPS_PROXY", "https_proxy"),
          env_any("NO_PROXY", "no_proxy")};
}

bool bypass_proxy(std::string_view no_proxy, std::string_view host_in, uint16_t port) {
  auto host = lower(host_in);
  if (host == "localhost")
    return true;
  auto ip = parse_ip(host);
  if (ip && is_loopback(*ip))
    return true;
  const std::string port_text = std::to_string(port);
  while (!no_proxy.empty()) {
    auto comma = no_proxy.find(',');
    auto entry_text = lower(trim(no_proxy.substr(0, comma)));
    no_proxy = comma == std::string_view::npos ? std::string_view{} : no_proxy.substr(comma + 1);
    std::string_view entry{entry_text};
    if (entry.empty())
      continue;
    if (entry == "*")
      return true;
    if (auto inside = cidr_contains(entry, ip.value_or(ip_address{}))) {
      if (ip && *inside)
        return true;
      continue;
    }
    std::string_view entry_port;
    if (auto hp = split_host_port(entry)) {
      if (hp->first.empty())
        continue;
      entry = hp->first;
      entry_port = hp->second;
    }
    if (auto entry_ip = parse_ip(entry)) {
      if (ip && entry_ip->bytes == ip->bytes && (entry_port.empty() || entry_port == port_text))
        return true;
      continue;
    }
    if (entry.starts_with("*."))
      entry.remove_prefix(1);
    bool match_host = false;
    std::string suffix{entry};
    if (entry.front() != '.') {
      match_host = true;
      suffix = "." + suffix;
    }
    bool name_match = host.ends_with(suffix) || (match_host && host == suffix.substr(1));
    if (name_match && (entry_port.empty() || entry_port == port_text))
      return true;
  }
  return false;
}

caf::expected<std::optional<proxy_endpoint>> select_proxy(const proxy_settings& settings,
                                                          const url& target) {
  const std::string& raw = target.scheme == "https" ? settings.https_proxy : settings.http_proxy;
  if (raw.empty() || bypass_proxy(settings.no_proxy, target.host, target.port))
    return std::optional<proxy_endpoint>{};
  auto proxy = parse_proxy(raw);
  if (!proxy)
    return proxy.error();
  return std::optional<proxy_endpoint>{std::move(*proxy)};
}

} // namespace vcdlb::http::detail
