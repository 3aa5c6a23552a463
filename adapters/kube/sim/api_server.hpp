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
#include <boost/asio/strand.hpp>

#include "adapters/http/server.hpp"
#include "adapters/kube/sim/api_core.hpp"
#include "caf/expected.hpp"

namespace vcdlb::kube::sim {

struct api_server_options {
  core_options core; ///< `core.token` empty with `auth`: a random one is made
  /// Require the bearer token (401 otherwise). kubectl does not send tokens over plain HTTP,
  /// so servers for kubectl without `tls` should turn this off.
  bool auth = true;
  std::string listen = "127.0.0.1:0";           ///< "HOST:PORT"; port 0 picks a free one
  bool tls = true;                              ///< false: plain HTTP
  std::string kubeconfig_path;                  ///< where to write the kubeconfig; "" = nowhere
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
  [[nodiscard]] api_core& core() noexcept { return *shared_->core; }

private:
  // What I/O handlers use; shared with them so that a request or tick still queued when the
  // api_server goes away finds valid objects (and the `stopped` flag) instead of a dangling
  // `this`.
  struct shared_state {
    explicit shared_state(boost::asio::io_context& ctx)
      : io(ctx), ticker(boost::asio::make_strand(ctx)) {}
    boost::asio::io_context& io;
    std::shared_ptr<api_core> core;
    boost::asio::steady_timer ticker;
    std::chrono::milliseconds tick_interval{100};
    std::atomic<bool> stopped{false};
  };

  explicit api_server(api_server_options opts);
  static void on_request(const std::shared_ptr<shared_state>& st, http::request req,
                         std::shared_ptr<http::response_writer> out);
  static void schedule_tick(const std::shared_ptr<shared_state>& st);

  api_server_options opts_;
  std::string token_;
  std::string kubeconfig_path_;
  std::shared_ptr<shared_state> shared_;
  std::unique_ptr<http::server> server_;
};

/// kubeconfig YAML for `url`, trusting `ca_pem` (omitted when empty) and sending `token`
/// (omitted when empty).
[[nodiscard]] std::string make_kubeconfig(const std::string& url, const std::string& ca_pem,
                                          const std::string& token);

} // namespace vcdlb::kube::sim
