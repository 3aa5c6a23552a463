#pragma once

/// @file adapters/kube/sim/api_core.hpp
/// @brief The socket-free heart of the Kubernetes API server double: one request in, one
/// response (or a watch stream) out, over an in-memory store.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "adapters/http/message.hpp"
#include "adapters/http/server.hpp"
#include "adapters/kube/sim/discovery.hpp"
#include "adapters/kube/sim/resources.hpp"
#include "adapters/kube/sim/services.hpp"
#include "adapters/kube/sim/status.hpp"
#include "adapters/kube/sim/store.hpp"
#include "adapters/kube/sim/table.hpp"

namespace vcdlb::kube::sim {

/// Faults the double injects into API traffic (resource paths only: discovery, /version and
/// health stay clean so clients can always start).
struct fault_settings {
  double rate_429 = 0.0;      ///< fraction of requests answered 429
  unsigned retry_after_s = 1; ///< Retry-After of those 429s
  double rate_500 = 0.0;      ///< fraction answered 500 InternalError
  double rate_503 = 0.0;      ///< fraction answered 503 ServiceUnavailable with Retry-After
  std::chrono::milliseconds latency{0}; ///< added before each answer (by `api_server`)
  /// fraction of conditional PATCH requests (the body carries metadata.resourceVersion, as a
  /// finalizer update does) answered 409 Conflict, as when the object changed in between
  double rate_409_conditional_patch = 0.0;
  std::chrono::milliseconds drop_watch_every{0}; ///< > 0: drop all watches this often
  /// > 0: compact the whole history this often (watches from older RVs then get 410)
  std::chrono::milliseconds expire_history_every{0};
};

struct core_options {
  store_options store;
  std::string token; ///< bearer token clients must send; "" = no authentication
  uint64_t seed = 1; ///< uids, cluster IPs, node ports and fault draws derive from it
  /// kube-apiserver's --service-node-port-range (1 <= min <= max <= 65535).
  int node_port_min = service_allocator::default_node_port_min;
  int node_port_max = service_allocator::default_node_port_max;
  server_version version;                       ///< what /version reports
  std::string server_address = "127.0.0.1:443"; ///< host:port shown by /api
  /// Time source (RFC 3339 timestamps, history age, watch deadlines); default system_clock.
  std::function<sim_clock::time_point()> clock;
};

/// Request counters (monotonic).
struct request_counters {
  uint64_t total = 0;
  uint64_t get = 0;
  uint64_t list = 0;
  uint64_t watch = 0;
  uint64_t create = 0;
  uint64_t update = 0;
  uint64_t patch = 0;
  uint64_t remove = 0;
  uint64_t unauthorized = 0;
  uint64_t injected_429 = 0;
  uint64_t injected_500 = 0;
  uint64_t injected_503 = 0;
  uint64_t injected_409 = 0;
};

/// One kind of access as RBAC names it: API group, resource (with "/status" for the
/// subresource) and verb (get, list, watch, create, update, patch, delete, deletecollection).
struct api_access {
  std::string group;
  std::string resource;
  std::string verb;
  friend auto operator<=>(const api_access&, const api_access&) = default;
};

/// The API server double without sockets. `handle` takes an `http::request` and answers on a
/// `http::response_writer`: either one `respond` or, for a watch, `start_stream` followed by
/// event lines (which continue after `handle` returns, from later writes and `tick`).
///
/// Thread-safe: every public member locks one mutex; watch events are written while that
/// mutex is held, so every stream sees events in resourceVersion order. Writers must not
/// block and must not call back into the core.
class api_core {
public:
  explicit api_core(core_options opts = {});
  api_core(const api_core&) = delete;
  api_core& operator=(const api_core&) = delete;

  /// Serves one request (see class comment).
  void handle(const http::request& req, std::shared_ptr<http::response_writer> out);

  /// Drives time: watch timeouts and bookmarks, periodic watch drops, history compaction by
  /// age. The server calls it a few times per second.
  void tick();

  // -- direct object access (tests, demos); same semantics as the HTTP verbs -------------------

  /// Creates `obj` (its apiVersion/kind pick the resource; namespace defaults to "default") or,
  /// when it exists, replaces it unconditionally. For resources with a status subresource a
  /// given status is written too (as a /status update), so e.g. a Service can be seeded with an
  /// ingress IP in one call; without one the stored status stays.
  result<boost::json::object> put_object(boost::json::object obj);
  /// The stored object, or nullopt.
  [[nodiscard]] std::optional<boost::json::object> get_object(std::string_view api_version,
                                                              std::string_view kind,
                                                              std::string_view ns,
                                                              std::string_view name) const;
  /// DELETE semantics (finalizers set deletionTimestamp). False when absent.
  bool delete_object(std::string_view api_version, std::string_view kind, std::string_view ns,
                     std::string_view name);
  /// Every stored object of a kind in `ns` ("" = all).
  [[nodiscard]] std::vector<boost::json::object>
  list_objects(std::string_view api_version, std::string_view kind, std::string_view ns) const;

  [[nodiscard]] uint64_t resource_version() const;

  // -- faults -----------------------------------------------------------------------------------

  void set_faults(fault_settings f);
  [[nodiscard]] fault_settings faults() const;
  /// Drops every open watch connection now.
  void drop_watches();
  /// Compacts the whole history now: older RVs get 410 Expired.
  void expire_history();
  /// Ends every watch cleanly (server shutdown).
  void finish_watches();

  // -- observation ------------------------------------------------------------------------------

  [[nodiscard]] request_counters counters() const;
  [[nodiscard]] size_t open_watches() const;
  /// The last requests as "METHOD target -> status" (bounded; newest last).
  [[nodiscard]] std::vector<std::string> request_log() const;
  /// Every distinct kind of access authenticated clients made to resources (what an RBAC
  /// role for them must grant); discovery and /version are not resources.
  [[nodiscard]] std::set<api_access> accesses() const;

private:
  struct target {
    const resource_info* resource = nullptr;
    std::string ns;
    std::string name; ///< "" = the collection
    bool status = false;
  };

  using query_params = std::vector<std::pair<std::string, std::string>>;

  // api_core.cpp: HTTP side
  void dispatch(const http::request& req, const std::shared_ptr<http::response_writer>& out,
                unsigned& status);
  /// How collections are rendered: objects, or kubectl's server-side printed Table.
  struct rendering {
    bool table = false;
    table_object include = table_object::metadata;
  };
  void serve_list(const target& t, const query_params& q, rendering how,
                  const std::shared_ptr<http::response_writer>& out, unsigned& status);
  void serve_watch(const target& t, const query_params& q, rendering how,
                   const std::shared_ptr<http::response_writer>& out, unsigned& status);

  // api_core_ops.cpp: object operations (mutex held)
  sim_clock::time_point now() const;
  result<boost::json::object> do_create(const resource_info& r, const std::string& ns,
                                        boost::json::object obj);
  result<boost::json::object> do_update(const resource_info& r, const std::string& ns,
                                        const std::string& name, bool status,
                                        boost::json::object obj, bool& created);
  result<boost::json::object> do_patch(const resource_info& r, const std::string& ns,
                                       const std::string& name, bool status,
                                       std::string_view content_type, std::string_view body);
  /// Returns the object (finalizers pending) or a Success Status.
  result<boost::json::object> do_delete(const resource_info& r, const std::string& ns,
                                        const std::string& name,
                                        const boost::json::object* options);
  result<boost::json::object> commit_update(const resource_info& r, const boost::json::object& old,
                                            boost::json::object obj, bool status);
  boost::json::object remove_now(const resource_info& r, const boost::json::object& obj);
  std::string make_uid();
  std::string make_suffix();

  core_options opts_;
  mutable std::mutex mtx_;
  store store_;
  service_allocator alloc_;
  std::mt19937_64 rng_;
  fault_settings faults_;
  sim_clock::time_point next_drop_{};
  sim_clock::time_point next_expiry_{};
  request_counters counters_;
  std::deque<std::string> log_;
  std::set<api_access> accesses_;
};

} // namespace vcdlb::kube::sim
