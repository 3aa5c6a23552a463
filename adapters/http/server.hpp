#pragma once

/// @file adapters/http/server.hpp
/// @brief A small asynchronous HTTP/1.1 server (Boost.Beast) for the simulators and for the
/// controller's health and metrics endpoints.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "adapters/http/message.hpp"
#include "adapters/http/tls.hpp"
#include "caf/expected.hpp"

namespace vcdlb::http {

struct server_options {
  std::string listen = "127.0.0.1:0"; ///< "HOST:PORT"; port 0 picks a free one
  bool tls = true;
  key_pair certificate; ///< empty with tls: a self-signed one for localhost/127.0.0.1/::1
  /// With tls: when set (PEM bundle), every client must present a certificate signed by one of
  /// these CAs (mutual TLS), otherwise the handshake fails.
  std::string client_ca_pem;
  size_t max_request_bytes = size_t{8} << 20;
  /// Connections without a request in progress that receive no byte for this long are closed;
  /// also bounds a TLS handshake and a single write to a client that stopped reading.
  std::chrono::milliseconds idle_timeout{120'000};
};

/// The answer channel for one request. Thread-safe: any thread may call it, any time later
/// (asynchronous handlers, long-running watches); the work is posted to the connection's
/// strand. Exactly one of `respond`, `start_stream` (followed by `write` calls and `finish`) or
/// `abort` should be used; later competing calls are ignored. Requests on one keep-alive
/// connection are handled one after the other: the next handler call comes after this
/// response ended. For a HEAD request the body is left out (Content-Length is kept).
class response_writer {
public:
  virtual ~response_writer() = default;
  /// Sends a complete response; Content-Length (and, when needed, Connection: close) is set
  /// by the server; such fields given in `r` are replaced.
  virtual void respond(response r) = 0;
  /// Starts a chunked response; the head is sent at once. (To an HTTP/1.0 client the body is
  /// sent raw and ends with the connection.)
  virtual void start_stream(unsigned status, header_list fields) = 0;
  /// Sends one chunk (an empty string sends nothing); false once the connection is gone or the
  /// response ended.
  virtual bool write(std::string data) = 0;
  /// Ends a chunked response; the connection may then serve the next request.
  virtual void finish() = 0;
  /// Drops the connection without a (complete) response -- fault injection.
  virtual void abort() = 0;
  /// True once the client disconnected or the response ended.
  [[nodiscard]] virtual bool closed() const = 0;
  /// `f` is called once (on the connection's strand) when the connection closes before the
  /// response ended: the client went away, `abort()`, the idle/write timeout, or `stop()`.
  /// Registered after that happened, `f` runs at once (posted); never called when the response
  /// ended normally.
  virtual void on_close(std::function<void()> f) = 0;
};

using handler = std::function<void(request, std::shared_ptr<response_writer>)>;

/// Accepts connections on `listen` and calls `handler` for every request, on an io_context
/// thread (the connection's strand; with several io threads, requests of different connections
/// are handled concurrently, so the handler must be thread-safe). The handler must not block; it
/// may answer later from any thread. Request bodies over `max_request_bytes` get 413, malformed
/// requests 400 (then the connection is closed); `Expect: 100-continue` is answered. A throwing
/// handler yields 500. Listen errors: net_errc::protocol_error (bad address), resolve_failed,
/// connect_failed (cannot bind/listen, e.g. port in use), tls_failed (certificate). Destroy (or
/// stop) the server before its io_context is destroyed.
class server {
public:
  [[nodiscard]] static caf::expected<std::unique_ptr<server>> start(boost::asio::io_context& io,
                                                                    server_options opts, handler h);

  virtual ~server() = default;

  [[nodiscard]] virtual uint16_t port() const = 0;
  /// "https://127.0.0.1:PORT" (or http), ready to hand to a client.
  [[nodiscard]] virtual std::string url() const = 0;
  /// The certificate clients should trust (PEM); "" for plain HTTP.
  [[nodiscard]] virtual std::string ca_pem() const = 0;
  /// Connections accepted since start (for tests and metrics: shows keep-alive reuse).
  [[nodiscard]] virtual uint64_t accepted_connections() const = 0;
  /// Connections currently open.
  [[nodiscard]] virtual size_t open_connections() const = 0;
  /// Stops accepting and closes every connection (open streams see their on_close). Idempotent.
  /// Called from a non-I/O thread it returns once the listener is closed (the port is free);
  /// from an I/O thread it only schedules that. The destructor calls it.
  virtual void stop() = 0;
};

} // namespace vcdlb::http
