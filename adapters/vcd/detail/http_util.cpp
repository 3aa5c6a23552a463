#include "adapters/vcd/detail/http_util.hpp"

#include <charconv>

namespace vcdlb::vcd::detail {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// True when a `rel` parameter value (space-separated list) holds `name`.
bool rel_contains(std::string_view rel, std::string_view name) {
  while (!rel.empty()) {
    auto sp = rel.find(' ');
    auto token = rel.substr(0, sp);
    if (token == name)
      return true;
    if (sp == std::string_view::npos)
      break;
    rel.remove_prefix(sp + 1);
  }
  return false;
}

// Scans one `Link` field value: `<url>; rel="a b"; type="..."` entries separated by commas.
std::optional<std::string> find_next(std::string_view value) {
  size_t pos = 0;
  while ((pos = value.find('<', pos)) != std::string_view::npos) {
    auto close = value.find('>', pos);
    if (close == std::string_view::npos)
      return std::nullopt;
    auto url = value.substr(pos + 1, close - pos - 1);
    // Parameters run until the next '<' that follows a comma (or the end).
    auto next = value.find('<', close);
    auto params = value.substr(close + 1, next == std::string_view::npos ? std::string_view::npos
                                                                         : next - close - 1);
    size_t p = 0;
    while (p < params.size()) {
      auto semi = params.find(';', p);
      auto param =
        trim(params.substr(p, semi == std::string_view::npos ? std::string_view::npos : semi - p));
      if (param.size() > 4 && iequals(param.substr(0, 4), "rel=")) {
        auto rel = param.substr(4);
        if (rel.size() >= 2 && rel.front() == '"') {
          rel.remove_prefix(1);
          auto q = rel.find('"');
          rel = rel.substr(0, q);
        } else {
          auto comma = rel.find(',');
          rel = trim(rel.substr(0, comma));
        }
        if (rel_contains(rel, "nextPage"))
          return std::string{url};
      }
      if (semi == std::string_view::npos)
        break;
      p = semi + 1;
    }
    pos = close + 1;
  }
  return std::nullopt;
}

} // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

std::optional<std::string_view> header_value(const http::header_list& fields,
                                             std::string_view name) {
  for (const auto& [k, v] : fields)
    if (iequals(k, name))
      return std::string_view{v};
  return std::nullopt;
}

std::optional<std::string> next_page_link(const http::header_list& fields) {
  for (const auto& [k, v] : fields)
    if (iequals(k, "link"))
      if (auto url = find_next(v))
        return url;
  return std::nullopt;
}

std::string base_path_of(std::string_view base_url) {
  auto scheme = base_url.find("://");
  if (scheme == std::string_view::npos)
    return {};
  auto slash = base_url.find('/', scheme + 3);
  if (slash == std::string_view::npos)
    return {};
  std::string path{base_url.substr(slash)};
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  return path;
}

std::string target_from_url(std::string_view url, std::string_view base_path) {
  std::string_view rest = url;
  auto scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    auto slash = url.find('/', scheme + 3);
    rest = slash == std::string_view::npos ? std::string_view{"/"} : url.substr(slash);
  }
  if (!base_path.empty() && rest.substr(0, base_path.size()) == base_path
      && (rest.size() == base_path.size() || rest[base_path.size()] == '/'
          || rest[base_path.size()] == '?'))
    rest.remove_prefix(base_path.size());
  if (rest.empty() || rest.front() != '/')
    return "/" + std::string{rest};
  return std::string{rest};
}

int32_t retry_after_seconds(const http::header_list& fields) {
  auto v = header_value(fields, "retry-after");
  if (!v)
    return -1;
  auto text = trim(*v);
  int32_t out = -1;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || ptr != text.data() + text.size() || out < 0)
    return -1;
  return out;
}

std::string base64_encode(std::string_view data) {
  static constexpr char table[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8)
                 | static_cast<uint8_t>(data[i + 2]);
    out += table[(n >> 18) & 63];
    out += table[(n >> 12) & 63];
    out += table[(n >> 6) & 63];
    out += table[n & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    out += table[(n >> 18) & 63];
    out += table[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8);
    out += table[(n >> 18) & 63];
    out += table[(n >> 12) & 63];
    out += table[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

} // namespace vcdlb::vcd::detail
