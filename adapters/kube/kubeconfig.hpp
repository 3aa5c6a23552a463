#pragma once

/// @file adapters/kube/kubeconfig.hpp
/// @brief Where the API server is and how to authenticate: kubeconfig files and in-cluster
/// service-account config (kubernetes-api.md 4.1, 4.2), and the bearer token source that
/// re-reads rotated token files.
///
/// Errors are `config_errc` values that name the file and the key but never a credential.

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "adapters/http/tls.hpp"
#include "caf/expected.hpp"

namespace vcdlb::kube {

/// Everything a client needs to reach one API server.
struct connection_config {
  std::string server;           ///< "https://host:port" (a path prefix is kept)
  http::tls_client_options tls; ///< CA, client certificate, verification
  std::string token;            ///< static bearer token ("" = none)
  std::string token_file;       ///< bearer token re-read from this file ("" = none)
  std::string ns = "default";   ///< the context's (or pod's) namespace
  std::string source;           ///< for logs: "kubeconfig /path (context c)" or "in-cluster"
};

/// Parses kubeconfig YAML. `base_dir` resolves relative file paths (the file's directory);
/// `context` overrides current-context. Files named in it (CA, client cert/key) are read now;
/// a tokenFile is only checked for readability (it is re-read later by `token_source`).
[[nodiscard]] caf::expected<connection_config>
parse_kubeconfig(std::string_view yaml, const std::string& base_dir, const std::string& context);

/// Loads a `:`-separated list of kubeconfig files like `$KUBECONFIG`: for clusters, users and
/// contexts the first definition of a name wins, and the first current-context wins. Missing
/// files in a list are skipped; a single missing file is an error.
[[nodiscard]] caf::expected<connection_config> load_kubeconfig(const std::string& paths,
                                                               const std::string& context);

/// What in-cluster config reads from the environment; `from_environment()` fills it from the
/// process (KUBERNETES_SERVICE_HOST/PORT, POD_NAMESPACE) and the standard directory.
struct in_cluster_env {
  std::string host;
  std::string port;
  std::string pod_namespace;
  std::string dir = "/var/run/secrets/kubernetes.io/serviceaccount";

  [[nodiscard]] static in_cluster_env from_environment();
};

/// In-cluster config: `https://host:port`, CA from `<dir>/ca.crt`, token from `<dir>/token`
/// (as a token_file, re-read), namespace from POD_NAMESPACE or `<dir>/namespace`.
[[nodiscard]] caf::expected<connection_config> load_in_cluster(const in_cluster_env& env);

/// client-go's order: `kubeconfig_flag` if set, else `$KUBECONFIG`, else in-cluster when
/// KUBERNETES_SERVICE_HOST is set, else `~/.kube/config`.
[[nodiscard]] caf::expected<connection_config>
load_connection_config(const std::string& kubeconfig_flag, const std::string& context);

/// The bearer token to send: a static one, or a file re-read when older than `refresh` (bound
/// service-account tokens rotate; client-go re-reads every minute) or after `invalidate()` (on a
/// 401). Thread-safe.
class token_source {
public:
  using clock = std::chrono::steady_clock;

  token_source() = default;
  token_source(
    std::string static_token, std::string file,
    std::chrono::seconds refresh = std::chrono::seconds{60},
    std::function<clock::time_point()> now = [] { return clock::now(); });

  /// The current token ("" when none). A failed re-read keeps the last good token.
  [[nodiscard]] std::string current();
  /// Forces a re-read at the next `current()`.
  void invalidate();
  /// File reads so far (for tests).
  [[nodiscard]] int reads() const;

private:
  mutable std::mutex mtx_;
  std::string token_;
  std::string file_;
  std::chrono::seconds refresh_{60};
  std::function<clock::time_point()> now_;
  clock::time_point read_at_{};
  bool fresh_ = false;
  int reads_ = 0;
};

} // namespace vcdlb::kube
