#pragma once

/// @file adapters/vcd/detail/fake_replies.hpp
/// @brief The error replies and the IPv4 parsing that every part of `fake_client`
/// (fake_client.cpp, fake_client_firewall.cpp, fake_client_ip_spaces.cpp) shares, in the shapes
/// VCD answers with (see fake_client.hpp's error notes). Private to the fake.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/vcd/errors.hpp"

namespace vcdlb::vcd::detail {

/// VCD's answer for an id the user may not see or that does not exist (403, not 404).
inline caf::error fake_unknown_id(const std::string& id) {
  return make_http_error(403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                         "[ fake ] Either you need some or all of the following rights [] to "
                         "perform operations on the entity or the target entity is invalid: "
                           + id,
                         -1, true);
}

inline caf::error fake_unknown_parent(const std::string& id) {
  return make_http_error(404, "NOT_FOUND", "[ fake ] " + id + " not found", -1, false);
}

inline caf::error fake_bad_request(const std::string& what) {
  return make_http_error(400, "BAD_REQUEST", "[ fake ] " + what, -1, false);
}

/// A dotted-quad IPv4 address as a number; nullopt for anything else.
inline std::optional<uint32_t> fake_parse_ipv4(std::string_view s) {
  uint32_t out = 0;
  for (int part = 0; part < 4; ++part) {
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || v > 255 || ptr == s.data())
      return std::nullopt;
    out = (out << 8) | v;
    s.remove_prefix(static_cast<size_t>(ptr - s.data()));
    if (part < 3) {
      if (s.empty() || s.front() != '.')
        return std::nullopt;
      s.remove_prefix(1);
    }
  }
  if (!s.empty())
    return std::nullopt;
  return out;
}

} // namespace vcdlb::vcd::detail
