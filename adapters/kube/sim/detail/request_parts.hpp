#pragma once

/// @file adapters/kube/sim/detail/request_parts.hpp
/// @brief Path, query and header access on an `http::request`, kept header-only so the core
/// of the double does not depend on the HTTP transport's implementation.

#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/http/message.hpp"

namespace vcdlb::kube::sim::detail {

inline std::string_view path_of(const http::request& req) {
  std::string_view t = req.target;
  return t.substr(0, t.find('?'));
}

inline std::string_view query_of(const http::request& req) {
  std::string_view t = req.target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i]))
        != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

inline std::optional<std::string_view> header_of(const http::request& req, std::string_view name) {
  for (const auto& [k, v] : req.fields)
    if (iequals(k, name))
      return std::string_view{v};
  return std::nullopt;
}

/// Query values are form-encoded: '+' is a space, %XX an octet.
inline std::string decode_component(std::string_view in) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

/// Whether `s` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates); decoded URL parts
/// end up in JSON answers, which must stay valid.
inline bool valid_utf8(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = byte(i);
    size_t extra = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      lo = c == 0xe0 ? 0xa0 : 0x80;
      hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      lo = c == 0xf0 ? 0x90 : 0x80;
      hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
      return false;
    }
    if (i + extra >= s.size())
      return false;
    if (byte(i + 1) < lo || byte(i + 1) > hi)
      return false;
    for (size_t k = 2; k <= extra; ++k)
      if (byte(i + k) < 0x80 || byte(i + k) > 0xbf)
        return false;
    i += extra + 1;
  }
  return true;
}

inline std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    if (!part.empty()) {
      auto eq = part.find('=');
      out.emplace_back(decode_component(part.substr(0, eq)),
                       eq == std::string_view::npos ? std::string{}
                                                    : decode_component(part.substr(eq + 1)));
    }
    if (amp == std::string_view::npos)
      break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

} // namespace vcdlb::kube::sim::detail
