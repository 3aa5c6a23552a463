#pragma once

/// @file adapters/http/detail/proxy.hpp
/// @brief Proxy selection from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, following the rules of Go's
/// golang.org/x/net/http/httpproxy (what kubectl and most Kubernetes tooling use).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/http/message.hpp"
#include "caf/expected.hpp"

namespace vcdlb::http::detail {

/// The raw proxy variables. Upper case wins over lower case when both are set (as in Go).
struct proxy_settings {
  std::string http_proxy;
  std::string https_proxy;
  std::string no_proxy;

  [[nodiscard]] static proxy_settings from_environment();
};

/// Where to send a request instead of its origin.
struct proxy_endpoint {
  std::string host;
  uint16_t port = 0;
  std::string authorization; ///< "Basic ..." from the proxy URL's user info, or ""
};

/// The proxy for `target`, or nullopt for a direct connection. https targets use
/// `https_proxy` (CONNECT tunnel), http targets `http_proxy` (absolute-form requests).
/// Errors: net_errc::protocol_error for a proxy URL that cannot be used.
[[nodiscard]] caf::expected<std::optional<proxy_endpoint>>
select_proxy(const proxy_settings& settings, const url& target);

/// True when NO_PROXY (or the loopback rule) says `host:port` is reached directly.
[[nodiscard]] bool bypass_proxy(std::string_view no_proxy, std::string_view host, uint16_t port);

} // namespace vcdlb::http::detail
