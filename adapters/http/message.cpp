#include "adapters/http/message.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "protocol/errors.hpp"

namespace vcdlb::http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
              return std::tolower(x) == std::tolower(y);
            });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

caf::error url_error(std::string_view text, std::string_view why) {
  return caf::make_error(net_errc::protocol_error,
                         "invalid URL \"" + std::string{text} + "\": " + std::string{why});
}

bool is_host_char(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '%';
}

} // namespace

std::optional<std::string_view> find_header(const header_list& fields, std::string_view name) {
  for (const auto& [key, value] : fields)
    if (iequals(key, name))
      return std::string_view{value};
  return std::nullopt;
}

std::string_view request::path() const {
  std::string_view t{target};
  return t.substr(0, t.find('?'));
}

std::string_view request::query() const {
  std::string_view t{target};
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

caf::expected<url> parse_url(std::string_view text) {
  url result;
  auto sep = text.find("://");
  if (sep == std::string_view::npos)
    return url_error(text, "missing scheme");
  for (char c : text.substr(0, sep))
    result.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  uint16_t default_port = 0;
  if (result.scheme == "http")
    default_port = 80;
  else if (result.scheme == "https")
    default_port = 443;
  else
    return url_error(text, "scheme must be http or https");
  auto rest = text.substr(sep + 3);
  auto authority_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, authority_end);
  auto tail =
    authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos)
    return url_error(text, "credentials in the URL are not supported");
  if (tail.find_first_of("?#") != std::string_view::npos)
    return url_error(text, "query or fragment not allowed");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return url_error(text, "unterminated '[' in host");
    result.host = std::string{authority.substr(1, close - 1)};
    in6_addr addr{};
    if (inet_pton(AF_INET6, result.host.c_str(), &addr) != 1)
      return url_error(text, "bad IPv6 address");
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return url_error(text, "unexpected text after ']'");
      port_text = after.substr(1);
      if (port_text.empty())
        return url_error(text, "empty port");
    }
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      if (authority.find(':') != colon)
        return url_error(text, "IPv6 addresses must be in brackets");
      port_text = authority.substr(colon + 1);
      if (port_text.empty())
        return url_error(text, "empty port");
      authority = authority.substr(0, colon);
    }
    result.host = std::string{authority};
    if (!std::all_of(result.host.begin(), result.host.end(),
                     [](unsigned char c) { return is_host_char(c); }))
      return url_error(text, "bad character in host");
  }
  if (result.host.empty())
    return url_error(text, "empty host");
  if (port_text.empty()) {
    result.port = default_port;
  } else {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0
        || value > 65535)
      return url_error(text, "bad port");
    result.port = static_cast<uint16_t>(value);
  }
  while (!tail.empty() && tail.back() == '/')
    tail.remove_suffix(1);
  result.path = std::string{tail};
  return result;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0
               && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xF]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty())
      continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos)
      out.emplace_back(percent_decode(item), std::string{});
    else
      out.emplace_back(percent_decode(item.substr(0, eq)), percent_decode(item.substr(eq + 1)));
  }
  return out;
}

} // namespace vcdlb::http
