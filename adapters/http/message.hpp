#pragma once

/// @file adapters/http/message.hpp
/// @brief Plain HTTP/1.1 request and response values shared by the client and the server.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "caf/expected.hpp"

namespace vcdlb::http {

/// Header fields in wire order. Names compare case-insensitively (see `find_header`).
using header_list = std::vector<std::pair<std::string, std::string>>;

/// The first value of header `name` (case-insensitive), if present.
[[nodiscard]] std::optional<std::string_view> find_header(const header_list& fields,
                                                          std::string_view name);

struct request {
  std::string method = "GET"; ///< "GET", "POST", "PUT", "PATCH", "DELETE", ...
  std::string target = "/";   ///< origin-form: path plus optional "?query", percent-encoded
  header_list fields;
  std::string body;

  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return find_header(fields, name);
  }
  /// `target` up to '?'.
  [[nodiscard]] std::string_view path() const;
  /// `target` after '?', or "".
  [[nodiscard]] std::string_view query() const;
};

struct response {
  unsigned status = 0;
  header_list fields;
  std::string body;

  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return find_header(fields, name);
  }
};

/// A parsed absolute URL: "https://host:port/base".
struct url {
  std::string scheme; ///< "http" or "https"
  std::string host;   ///< name or IP, without brackets for IPv6
  uint16_t port = 0;  ///< explicit or the scheme's default
  std::string path;   ///< "" or starting with '/'; no trailing '/'
};

/// Parses an absolute http(s) URL. Errors are net_errc::protocol_error with a message that
/// quotes the input.
[[nodiscard]] caf::expected<url> parse_url(std::string_view text);

/// Decodes one query parameter value ("a%2Fb+c" -> "a/b c"); invalid escapes stay as they are.
[[nodiscard]] std::string percent_decode(std::string_view text);

/// Encodes `text` for use inside a query parameter value (RFC 3986 unreserved kept).
[[nodiscard]] std::string percent_encode(std::string_view text);

/// The query parameters of `query` ("a=1&b=x%20y") in order, decoded.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

} // namespace vcdlb::http
