#pragma once

/// @file adapters/http/client.hpp
/// @brief Asynchronous HTTP/1.1 client (Boost.Beast) with a keep-alive connection pool.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "adapters/http/message.hpp"
#include "adapters/http/tls.hpp"
#include "caf/error.hpp"
#include "caf/expected.hpp"

namespace vcdlb::http {

struct client_options {
  std::string base_url; ///< "https://vcd.example.com" or "http://127.0.0.1:8080"; targets are
                        ///< appended to its path
  tls_client_options tls;
  std::chrono::milliseconds connect_timeout{10'000}; ///< TCP connect + TLS handshake
  std::chrono::milliseconds request_timeout{30'000}; ///< default per request, whole exchange
  size_t max_connections = 8;                        ///< pooled keep-alive connections
  size_t max_response_bytes = size_t{64} << 20;      ///< larger bodies fail with body_too_large
  bool proxy_from_environment = true;                ///< honour HTTPS_PROXY/HTTP_PROXY/NO_PROXY
  std::string user_agent = "vcdlb";
};

/// A running streamed response (e.g. a Kubernetes watch); `cancel()` closes its connection.
class stream_handle {
public:
  virtual ~stream_handle() = default;
  /// Idempotent and thread-safe; the stream's `on_end` is then called with net_errc::cancelled.
  virtual void cancel() = 0;
};

/// Sends requests to one base URL. Thread-safe; completion callbacks run on the io_context's
/// threads and must not block. Transport failures are `net_errc` errors; any HTTP status
/// (including 4xx/5xx) is a successful `response` for the caller to classify.
/// Create with `make`; keep the shared_ptr alive while requests are in flight.
class client : public std::enable_shared_from_this<client> {
public:
  using callback = std::function<void(caf::expected<response>)>;

  /// Fails with net_errc::protocol_error for a bad URL and net_errc::tls_failed when the CA or
  /// client certificate cannot be loaded.
  [[nodiscard]] static caf::expected<std::shared_ptr<client>> make(boost::asio::io_context& io,
                                                                   client_options opts);

  virtual ~client() = default;

  /// Sends `req` (target relative to the base URL) and calls `done` exactly once. `timeout`
  /// of zero means `request_timeout`. Idempotent requests that fail on a reused keep-alive
  /// connection before any byte of the response arrived are retried once on a fresh one.
  virtual void async_request(request req, callback done,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) = 0;

  /// Sends `req` and streams the body: `on_head` once with status and headers, `on_data` for
  /// every piece of body as it arrives (chunk boundaries are not message boundaries), then
  /// `on_end` exactly once (none_t-like empty error when the server finished the body). Uses a
  /// dedicated connection; `idle_timeout` of zero disables the read timeout.
  virtual std::shared_ptr<stream_handle>
  async_stream(request req, std::function<void(unsigned status, const header_list&)> on_head,
               std::function<void(std::string_view)> on_data,
               std::function<void(const caf::error&)> on_end,
               std::chrono::milliseconds idle_timeout = std::chrono::milliseconds{0}) = 0;

  /// Closes pooled connections and fails queued requests with net_errc::cancelled.
  virtual void shutdown() = 0;
};

} // namespace vcdlb::http
