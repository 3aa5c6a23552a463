#pragma once

/// @file adapters/kube/sim/api_server.hpp
/// @brief The Kubernetes API server double on a real socket: `api_core` served by
/// `vcdlb::http::server` (HTTPS with a self-signed certificate, or plain HTTP), a kubeconfig
/// for its clients, a timer that drives watch timeouts and bookmarks, and injected latency.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/http/server.hpp"
#include "adapters/kube/sim/api_core.hpp"
#include "caf/expected.hpp"

namespace vcdlb::kube::sim {

struct api_server_options {
  core_options core;                  ///< `core.token` empty with `auth`: a random one is made
  bool auth = true;                   ///< require the bearer token (401 otherwise)
  std::string listen = "127.0.0.1:0"; ///< "HOST:PORT"; port 0 picks a free one
  bool tls = true;                    ///< false: plain HTTP
  std::string kubeconfig_path;        ///< where to write the kubeconfig; "" = nowhere
  std::chrono::milliseconds tick_interval{100}; ///< watch timeout / bookmark resolution
};

/// A running double. Thread-safe; `stop` (also run by the destructor) ends every watch
/// cleanly and closes the listener. Must not be destroyed on one of `io`'s threads.
class api_server {
public:
  /// Starts listening. Fails with the HTTP server's errors (net_errc) or
  /// config_errc::unreadable_file when the kubeconfig cannot be written.
  [[nodiscard]] static caf::expected<std::unique_ptr<api_server>> start(boost::asio::io_context& io,
                                                                        api_server_options opts);

  ~api_server();
  api_server(const api_server&) = delete;
  api_server& operator=(const api_server&) = delete;

  /// Idempotent.
  void stop();

  /// "https://127.0.0.1:PORT" (or http://).
  [[nodiscard]] std::string url() const;
  /// The CA clients must trust (PEM); "" for plain HTTP.
  [[nodiscard]] std::string ca_pem() const;
  /// The bearer token clients must send ("" without auth). A secret: never log it.
  [[nodiscard]] const std::string& token() const noexcept { return token_; }
  /// kubeconfig YAML (server, certificate-authority-data, token, context "kube-sim").
  [[nodiscard]] std::string kubeconfig() const;
  /// Where the kubeconfig was written ("" when not requested).
  [[nodiscard]] const std::string& kubeconfig_path() const noexcept { return kubeconfig_path_; }

  /// The state, direct object access, fault controls and counters.
  [[nodiscard]] api_core& core() noexcept { return *core_; }

private:
  api_server(boost::asio::io_context& io, api_server_options opts);
  void on_request(http::request req, std::shared_ptr<http::response_writer> out);
  void schedule_tick();

  boost::asio::io_context& io_;
  api_server_options opts_;
  std::string token_;
  std::string kubeconfig_path_;
  std::unique_ptr<api_core> core_;
  std::unique_ptr<http::server> server_;
  std::shared_ptr<boost::asio::steady_timer> ticker_;
  std::shared_ptr<std::atomic<bool>> stopped_;
};

/// kubeconfig YAML for `url`, trusting `ca_pem` (omitted when empty) and sending `token`
/// (omitted when empty).
[[nodiscard]] std::string make_kubeconfig(const std::string& url, const std::string& ca_pem,
                                          const std::string& token);

} // namespace vcdlb::kube::sim
