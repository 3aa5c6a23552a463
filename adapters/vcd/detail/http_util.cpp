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

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Position of `needle` in `hay`, ignoring ASCII case; npos if absent.
size_t ifind(std::string_view hay, std::string_view needle, size_t from = 0) {
  for (size_t i = from; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle))
      return i;
  return std::string_view::npos;
}

// Appends `text` with whitespace runs collapsed to one space.
void append_collapsed(std::string& out, std::string_view text) {
  for (char c : text) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ')
        out += ' ';
    } else {
      out += c;
    }
  }
}

} // namespace

std::string bounded(std::string_view text, size_t max) {
  if (text.size() <= max)
    return std::string{text};
  static constexpr std::string_view ellipsis = "...";
  if (max <= ellipsis.size())
    return std::string{ellipsis.substr(0, max)};
  size_t cut = max - ellipsis.size();
  // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  std::string out{text.substr(0, cut)};
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  out += ellipsis;
  return out;
}

std::string readable_body(std::string_view body, size_t max) {
  std::string out;
  auto open = body.find_first_not_of(" \t\r\n");
  bool markup = open != std::string_view::npos && body[open] == '<';
  if (!markup) {
    append_collapsed(out, body);
  } else if (auto t = ifind(body, "<title");
             t != std::string_view::npos && body.find('>', t) != std::string_view::npos) {
    auto start = body.find('>', t) + 1;
    auto end = ifind(body, "</title", start);
    append_collapsed(
      out, body.substr(start, end == std::string_view::npos ? body.size() - start : end - start));
  }
  if (markup && out.find_first_not_of(' ') == std::string::npos) {
    // No title: the text between the tags, without scripts and styles.
    out.clear();
    size_t i = 0;
    while (i < body.size()) {
      if (body[i] != '<') {
        auto next = body.find('<', i);
        append_collapsed(
          out, body.substr(i, next == std::string_view::npos ? body.size() - i : next - i));
        out += ' ';
        i = next == std::string_view::npos ? body.size() : next;
        continue;
      }
      bool skip = iequals(body.substr(i, 7), "<script") || iequals(body.substr(i, 6), "<style");
      auto close = body.find('>', i);
      if (close == std::string_view::npos)
        break;
      if (skip) {
        auto end =
          ifind(body, iequals(body.substr(i, 7), "<script") ? "</script" : "</style", close);
        close = end == std::string_view::npos ? body.size() : body.find('>', end);
        if (close == std::string_view::npos)
          close = body.size();
      }
      i = close + 1;
    }
    std::string collapsed;
    append_collapsed(collapsed, out);
    out = std::move(collapsed);
  }
  auto first = out.find_first_not_of(' ');
  auto last = out.find_last_not_of(' ');
  out = first == std::string::npos ? std::string{} : out.substr(first, last - first + 1);
  return bounded(out, max);
}

} // namespace vcdlb::vcd::detail
