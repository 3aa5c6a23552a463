#pragma once

/// @file runtime/ops_server.hpp
/// @brief The operations HTTP endpoint: `/healthz`, `/readyz` and `/metrics` over plain HTTP
/// (config `vcdlb.metricsAddress`, flag `--metrics-bind-address`).
///
/// Routes (GET and HEAD; other methods on these paths get 405 with `Allow: GET, HEAD`,
/// unknown paths 404):
/// - `/healthz`: liveness checks; 200 `ok` when all pass, else 500 with one line per check.
/// - `/readyz`: readiness checks, the same way.
///   Both accept `?verbose` (one line per check even when all pass, like kube-apiserver) and
///   `?exclude=NAME` (repeatable: skip that check), and `/healthz/NAME`, `/readyz/NAME` run a
///   single check (404 when unknown).
/// - `/metrics`: the registry's exposition, `Content-Type: text/plain; version=0.0.4;
///   charset=utf-8`.

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "adapters/http/message.hpp"
#include "adapters/http/server.hpp"
#include "caf/expected.hpp"
#include "runtime/health.hpp"
#include "runtime/metrics.hpp"

namespace vcdlb::runtime {

/// Answers one request to the ops endpoint; pure apart from running the checks and collecting
/// the metrics. Public so the routes can be tested without a socket.
[[nodiscard]] http::response ops_response(const http::request& req,
                                          const metrics::registry& metrics, const health& checks);

/// Serves `ops_response` on an `http::server`. Requests are answered on `io`'s threads; the
/// registry's collect hooks and the health checks run there too (they must not block).
/// Thread-safety: `port`/`url` are safe from any thread; `stop` as `http::server::stop`.
class ops_server {
public:
  /// Listens on `listen` ("HOST:PORT", "" host = all interfaces, port 0 = any free port).
  /// `listen` empty means the endpoint is disabled: the result then holds a nullptr.
  /// Fails with net_errc errors when the address is invalid or cannot be bound.
  [[nodiscard]] static caf::expected<std::unique_ptr<ops_server>>
  start(boost::asio::io_context& io, const std::string& listen,
        std::shared_ptr<const metrics::registry> metrics, std::shared_ptr<const health> checks);

  ~ops_server();
  ops_server(const ops_server&) = delete;
  ops_server& operator=(const ops_server&) = delete;

  [[nodiscard]] uint16_t port() const { return server_->port(); }
  /// "http://HOST:PORT" (loopback when listening on all interfaces).
  [[nodiscard]] std::string url() const { return server_->url(); }
  /// Closes the listener and every connection. Idempotent; the destructor calls it.
  void stop() { server_->stop(); }

private:
  explicit ops_server(std::unique_ptr<http::server> s) : server_(std::move(s)) {}

  std::unique_ptr<http::server> server_;
};

} // namespace vcdlb::runtime
