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
  size_t max_request_bytes = size_t{8} << 20;
  /// Connections without a request in progress that receive no byte for this long are closed;
  /// also bounds a TLS handshake and a single write to a client that stopped reading.
  std::chrono::milliseconds idle_timeout{120'000};
};

/// The answer channel for one request. Thread-safe: any thread may call it, any time later
/// (asynchronous handlers, long-running watches). Exactly one of `respond`, `start_stream`
/// (followed by `write` calls and `finish`) or `abort` should be used.
class response_writer {
public:
  virtual ~response_writer() = default;
  /// Sends a complete response; Content-Length is set from the body.
  virtual void respond(response r) = 0;
  /// Starts a chunked response; the head is sent at once.
  virtual void start_stream(unsigned status, header_list fields) = 0;
  /// Sends one chunk; false once the connection is gone.
  virtual bool write(std::string data) = 0;
  /// Ends a chunked response; the connection may then serve the next request.
  virtual void finish() = 0;
  /// Drops the connection without a (complete) response -- fault injection.
  virtual void abort() = 0;
  /// True once the client disconnected or the response ended.
  [[nodiscard]] virtual bool closed() const = 0;
  /// Called once (on an io thread) when the connection closes before `finish`.
  virtual void on_close(std::function<void()> f) = 0;
};

using handler = std::function<void(request, std::shared_ptr<response_writer>)>;

/// Accepts connections on `listen` and calls `handler` for every request, on an io_context
/// thread. The handler must not block.
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
