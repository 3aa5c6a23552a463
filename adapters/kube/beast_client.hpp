#pragma once

/// @file adapters/kube/beast_client.hpp
/// @brief `kube::client` over HTTPS (vcdlb::http::client on Boost.Beast) with simdjson decoding.
///
/// - Auth: bearer token (static, or a token file re-read every `token_refresh` and after a 401,
///   which is then retried once), client certificate; TLS verified unless the kubeconfig said
///   insecure-skip-tls-verify.
/// - Client-side token bucket (`qps`/`burst`, client-go 5/10): requests over the budget wait on
///   a timer in order; nothing blocks. A watch is throttled only when it is opened.
/// - Retries only where client-go retries (kubernetes-api.md 4.3): 429 and 5xx that carry
///   Retry-After (after that many seconds, up to `max_retries`), and GETs whose connection was
///   closed before an answer (after 1 s). 409 is the caller's job.
/// - Each watch uses its own connection; its body is decoded incrementally.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "adapters/kube/client.hpp"
#include "adapters/kube/kubeconfig.hpp"
#include "adapters/kube/node_client.hpp"
#include "adapters/kube/request_observer.hpp"
#include "caf/expected.hpp"

namespace vcdlb::kube {

struct beast_client_options {
  connection_config connection;
  double qps = 5.0; ///< <= 0: unlimited
  int burst = 10;
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds connect_timeout{10'000};
  int max_retries = 10;
  std::chrono::seconds token_refresh{60};
  std::string user_agent = "vcdlb";
  size_t max_connections = 8;
  bool proxy_from_environment = true;
  /// Told about every HTTP exchange (rest_client_* metrics); null: nobody listens.
  std::shared_ptr<request_observer> observer;
};

struct beast_client_stats {
  uint64_t requests = 0;  ///< HTTP exchanges started (retries included)
  uint64_t retries = 0;   ///< retried after Retry-After, a closed GET or a 401
  uint64_t throttled = 0; ///< requests that waited for the token bucket
};

/// Thread-safe. Callbacks run on the io_context's threads. Keep the shared_ptr alive while
/// operations are in flight; call `shutdown()` before stopping the io_context.
class beast_client : public client, public node_client {
public:
  /// Fails with net_errc::tls_failed for unusable certificates and net_errc::protocol_error
  /// for a bad server URL.
  [[nodiscard]] static caf::expected<std::shared_ptr<beast_client>>
  make(boost::asio::io_context& io, beast_client_options opts);

  ~beast_client() override;

  void list_services(list_options opts, callback<list_result<service_snapshot>> done) override;
  watch_ptr watch_services(watch_options opts, watch_handler<service_snapshot> h) override;
  void get_service(service_key key, callback<service_snapshot> done) override;
  void patch_service_status(service_key key, std::vector<lb_ingress> ingress,
                            callback<service_snapshot> done) override;
  void patch_service_finalizers(service_key key, std::vector<std::string> finalizers,
                                std::string resource_version,
                                callback<service_snapshot> done) override;
  /// `POST /api/v1/namespaces/{ns}/services` with `svc` (detail::encode_service: metadata and
  /// spec only; unset NodePorts are allocated by the server). Returns the stored object; 409
  /// kube_errc::already_exists when the name is taken. Not part of `kube::client`: the engine
  /// never creates Services; tools such as `vcdlb demo` do.
  void create_service(service_snapshot svc, callback<service_snapshot> done);

  void list_nodes(list_options opts, callback<list_result<node_snapshot>> done) override;
  watch_ptr watch_nodes(watch_options opts, watch_handler<node_snapshot> h) override;
  void get_node(std::string name, callback<node_snapshot> done) override;
  void list_endpoint_slices(list_options opts,
                            callback<list_result<endpoint_slice_snapshot>> done) override;
  watch_ptr watch_endpoint_slices(watch_options opts,
                                  watch_handler<endpoint_slice_snapshot> h) override;
  void create_event(event ev, callback<event> done) override;
  void patch_event(service_key key, int32_t count, std::string last_timestamp, std::string message,
                   callback<event> done) override;
  void get_lease(service_key key, callback<lease> done) override;
  void create_lease(lease l, callback<lease> done) override;
  void update_lease(lease l, callback<lease> done) override;

  // node_client
  void patch_node(std::string name, node_update u, callback<node_snapshot> done) override;
  void patch_node_addresses(std::string name, std::vector<node_address> addresses,
                            std::string hostname, callback<node_snapshot> done) override;
  void delete_node(std::string name, std::string uid, callback<caf::unit_t> done) override;

  /// Cancels pending timers and closes connections; later calls fail with net_errc::cancelled.
  void shutdown();

  [[nodiscard]] beast_client_stats stats() const;

  struct impl;

private:
  explicit beast_client(std::shared_ptr<impl> p);
  std::shared_ptr<impl> impl_;
};

} // namespace vcdlb::kube
