#pragma once

/// @file adapters/http/detail/tls_context.hpp
/// @brief Building OpenSSL contexts for the HTTPS client and server from the public options.

#include <memory>

#include "adapters/http/tls.hpp"
#include "caf/expected.hpp"

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace vcdlb::http::detail {

/// A TLS 1.2+ client context with the trust store of `opts` (in-memory PEM, a file, or the
/// system default paths) and the optional client certificate. Errors: net_errc::tls_failed.
[[nodiscard]] caf::expected<std::shared_ptr<boost::asio::ssl::context>>
make_client_context(const tls_client_options& opts);

/// A TLS 1.2+ server context presenting `pair`; with `client_ca_pem` it requires client
/// certificates signed by those CAs. Errors: net_errc::tls_failed.
[[nodiscard]] caf::expected<std::shared_ptr<boost::asio::ssl::context>>
make_server_context(const key_pair& pair, const std::string& client_ca_pem);

} // namespace vcdlb::http::detail
