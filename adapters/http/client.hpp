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
  /// Name resolution + TCP connect + proxy tunnel + TLS handshake of one new connection.
  std::chrono::milliseconds connect_timeout{10'000};
  /// Default per request, from `async_request` to the last body byte, including time spent
  /// queued for a connection. For streams: until the response head arrives. Zero: none.
  std::chrono::milliseconds request_timeout{30'000};
  /// Pooled keep-alive connections (at least 1); further requests wait in FIFO order. Streams
  /// use dedicated connections outside this limit.
  size_t max_connections = 8;
  size_t max_response_bytes = size_t{64} << 20; ///< larger bodies fail with body_too_large
  /// Honour HTTPS_PROXY/HTTP_PROXY/NO_PROXY (either case) read once in `make`, with Go's rules:
  /// https through an http:// proxy's CONNECT tunnel, http in absolute-form; localhost and
  /// loopback IPs are never proxied; NO_PROXY takes "*", domains (suffix match), IPs, CIDRs and
  /// optional ":port". User info in the proxy URL becomes Basic Proxy-Authorization.
  bool proxy_from_environment = true;
  std::string user_agent = "vcdlb";
};

/// A running streamed response (e.g. a Kubernetes watch); `cancel()` closes its connection.
class stream_handle {
public:
  virtual ~stream_handle() = default;
  /// Idempotent and thread-safe; the stream's `on_end` is then called with net_errc::cancelled.
  virtual void cancel() = 0;
};

/// Sends requests to one base URL. Thread-safe: every member may be called from any thread.
/// Completion callbacks run on the io_context's threads, serialized on the client's strand, and
/// must not block. Transport failures are `net_errc` errors; any HTTP status (including
/// 4xx/5xx) is a successful `response` for the caller to classify:
/// resolve_failed, connect_failed (also: proxy refused CONNECT), tls_failed (handshake or
/// "certificate verification failed: ..."), timeout, connection_closed (closed or reset before
/// the response was complete), protocol_error (malformed response), body_too_large, cancelled
/// (shutdown or stream cancel).
/// Create with `make`; running requests keep the client alive until their callbacks ran.
/// Like every Asio object it must be gone before its io_context is destroyed.
/// Every callback is called exactly once, unless the io_context is stopped first.
class client : public std::enable_shared_from_this<client> {
public:
  using callback = std::function<void(caf::expected<response>)>;

  /// Fails with net_errc::protocol_error for a bad URL or an unusable proxy variable (only
  /// http:// proxies are supported) and net_errc::tls_failed when the CA or client certificate
  /// cannot be loaded (messages never contain key material or proxy passwords).
  [[nodiscard]] static caf::expected<std::shared_ptr<client>> make(boost::asio::io_context& io,
                                                                   client_options opts);

  virtual ~client() = default;

  /// Sends `req` (target relative to the base URL) and calls `done` exactly once. `timeout`
  /// of zero means `request_timeout`. Idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS,
  /// TRACE) that fail on a reused keep-alive connection before any byte of the response
  /// arrived are retried once on a fresh one. Host, User-Agent (unless given) and
  /// Content-Length (for a body, and always for POST/PUT/PATCH) are set by the client.
  virtual void async_request(request req, callback done,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) = 0;

  /// Sends `req` and streams the body: `on_head` once with status and headers, `on_data` for
  /// every piece of body as it arrives (chunk boundaries are not message boundaries), then
  /// `on_end` exactly once: an empty error when the server finished the body (whatever the
  /// status), net_errc::cancelled after `cancel()`/`shutdown()`, net_errc::timeout when no byte
  /// arrived for `idle_timeout` (zero: no read timeout) or no head within `request_timeout`,
  /// net_errc::connection_closed when the server dropped it. A failure before the head (e.g.
  /// connect_failed) calls only `on_end`. Uses a dedicated connection, closed at the end. All
  /// three callbacks run on the client's strand.
  virtual std::shared_ptr<stream_handle>
  async_stream(request req, std::function<void(unsigned status, const header_list&)> on_head,
               std::function<void(std::string_view)> on_data,
               std::function<void(const caf::error&)> on_end,
               std::chrono::milliseconds idle_timeout = std::chrono::milliseconds{0}) = 0;

  /// Closes pooled connections, fails queued and running requests with net_errc::cancelled and
  /// cancels open streams. Later requests fail with net_errc::cancelled. Idempotent.
  virtual void shutdown() = 0;
};

} // namespace vcdlb::http
