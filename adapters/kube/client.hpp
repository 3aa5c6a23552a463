#pragma once

/// @file adapters/kube/client.hpp
/// @brief The asynchronous Kubernetes API client interface vcdlb is written against.
///
/// Implementations: `beast_client` (HTTPS, adapters/kube/beast_client.hpp) and `fake_client`
/// (in-memory, deterministic, adapters/kube/fake_client.hpp). Every operation takes a callback
/// that is called exactly once with the result or an error (`kube_errc` for API errors, parsed
/// from the Status body; `net_errc` for transport failures). A callback is never called from
/// inside the call that started the operation, so callers may hold their own lock while starting
/// one. With `beast_client` callbacks run on an adapter (Asio) thread; they must not block and
/// reach actors with `caf::anon_send`.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "adapters/kube/types.hpp"
#include "caf/error.hpp"
#include "caf/expected.hpp"

namespace vcdlb::kube {

template <class T>
using callback = std::function<void(caf::expected<T>)>;

/// Options of a LIST (kubernetes-api.md 1.2, 1.7).
struct list_options {
  std::string ns;               ///< "" = all namespaces (or a cluster-scoped kind)
  std::string label_selector;   ///< "" = none
  std::string field_selector;   ///< "" = none
  std::string resource_version; ///< "" = most recent, "0" = any (watch cache), "N" = not older
  int64_t limit = 0;            ///< 0 = no paging
  std::string continue_token;   ///< from the previous page's `list_result::continue_token`
};

/// One page (or the whole) of a LIST.
template <class T>
struct list_result {
  std::vector<T> items;
  std::string resource_version; ///< the list's `metadata.resourceVersion`
  std::string continue_token;   ///< non-empty iff more pages remain
};

/// Options of a WATCH (kubernetes-api.md 1.3-1.5).
struct watch_options {
  std::string ns;
  std::string label_selector;
  std::string field_selector;
  std::string resource_version; ///< start after this RV (the list RV, or the last event's)
  bool allow_bookmarks = true;
  std::chrono::seconds timeout{0}; ///< server-side `timeoutSeconds`; 0 = not sent
};

enum class watch_event_type : uint8_t { added, modified, deleted, bookmark, error };

std::string_view to_string(watch_event_type t);

/// One decoded line of a watch stream.
template <class T>
struct watch_event {
  watch_event_type type = watch_event_type::added;
  T object;                     ///< set for added/modified/deleted
  std::string resource_version; ///< the object's RV, or the BOOKMARK's RV; "" for error
  caf::error error;             ///< for `error`: the Status as a kube_errc (410 -> kube_errc::gone)
};

/// Receives the events of one watch, in stream order, never concurrently.
template <class T>
struct watch_handler {
  /// One decoded event. An undecodable line is not passed here: it ends the watch with
  /// kube_errc::bad_response.
  std::function<void(watch_event<T>)> on_event;
  /// Called exactly once when the stream ends: an empty error when the server ended it cleanly
  /// (timeoutSeconds, shutdown, after an ERROR event), net_errc::cancelled after `cancel()`, a
  /// kube_errc for a non-200 answer, or a net_errc transport error.
  std::function<void(const caf::error&)> on_end;
};

/// A running watch.
class watch_handle {
public:
  virtual ~watch_handle() = default;
  /// Stops the watch; `on_end` follows with net_errc::cancelled unless it already ran.
  /// Idempotent and thread-safe.
  virtual void cancel() = 0;
};

using watch_ptr = std::shared_ptr<watch_handle>;

/// The Kubernetes API operations vcdlb uses. Thread-safe: any thread may start operations.
class client {
public:
  virtual ~client() = default;

  // -- Services (core/v1) --------------------------------------------------------------------

  virtual void list_services(list_options opts, callback<list_result<service_snapshot>> done) = 0;
  virtual watch_ptr watch_services(watch_options opts, watch_handler<service_snapshot> h) = 0;
  virtual void get_service(service_key key, callback<service_snapshot> done) = 0;

  /// `PATCH .../services/{name}/status` with a JSON merge patch that sets
  /// `status.loadBalancer.ingress` to `ingress` (an empty list clears it). Returns the stored
  /// object.
  virtual void patch_service_status(service_key key, std::vector<lb_ingress> ingress,
                                    callback<service_snapshot> done) = 0;

  /// `PATCH .../services/{name}` with a JSON merge patch that replaces `metadata.finalizers` by
  /// `finalizers`, conditional on `resource_version` (409 kube_errc::conflict when the object
  /// changed since; "" = unconditional). Returns the stored object. If the object was being
  /// deleted and the list became empty, the server deletes it and returns its final state.
  virtual void patch_service_finalizers(service_key key, std::vector<std::string> finalizers,
                                        std::string resource_version,
                                        callback<service_snapshot> done) = 0;

  // -- Nodes (core/v1, cluster-scoped) -------------------------------------------------------

  virtual void list_nodes(list_options opts, callback<list_result<node_snapshot>> done) = 0;
  virtual watch_ptr watch_nodes(watch_options opts, watch_handler<node_snapshot> h) = 0;
  virtual void get_node(std::string name, callback<node_snapshot> done) = 0;

  // -- EndpointSlices (discovery.k8s.io/v1) --------------------------------------------------

  virtual void list_endpoint_slices(list_options opts,
                                    callback<list_result<endpoint_slice_snapshot>> done) = 0;
  virtual watch_ptr watch_endpoint_slices(watch_options opts,
                                          watch_handler<endpoint_slice_snapshot> h) = 0;

  // -- Events (core/v1) ----------------------------------------------------------------------

  /// `POST /api/v1/namespaces/{ev.ns}/events`; `ev.name` must be set (see event_recorder).
  virtual void create_event(event ev, callback<event> done) = 0;
  /// `PATCH .../events/{name}` (merge patch) of `count`, `lastTimestamp` and `message`: how a
  /// repeated event is aggregated.
  virtual void patch_event(service_key key, int32_t count, std::string last_timestamp,
                           std::string message, callback<event> done) = 0;

  // -- Leases (coordination.k8s.io/v1) -------------------------------------------------------

  virtual void get_lease(service_key key, callback<lease> done) = 0;
  /// POST; 409 kube_errc::already_exists when someone created it first.
  virtual void create_lease(lease l, callback<lease> done) = 0;
  /// PUT with `l.resource_version` as the precondition (409 kube_errc::conflict when stale).
  virtual void update_lease(lease l, callback<lease> done) = 0;
};

using client_ptr = std::shared_ptr<client>;

// -- kind-generic helpers for informers --------------------------------------------------------

/// Lists objects of kind `T` (service_snapshot, node_snapshot or endpoint_slice_snapshot).
template <class T>
void list_objects(client& c, list_options opts, callback<list_result<T>> done) {
  if constexpr (std::is_same_v<T, service_snapshot>)
    c.list_services(std::move(opts), std::move(done));
  else if constexpr (std::is_same_v<T, node_snapshot>)
    c.list_nodes(std::move(opts), std::move(done));
  else
    c.list_endpoint_slices(std::move(opts), std::move(done));
}

/// Watches objects of kind `T`.
template <class T>
watch_ptr watch_objects(client& c, watch_options opts, watch_handler<T> h) {
  if constexpr (std::is_same_v<T, service_snapshot>)
    return c.watch_services(std::move(opts), std::move(h));
  else if constexpr (std::is_same_v<T, node_snapshot>)
    return c.watch_nodes(std::move(opts), std::move(h));
  else
    return c.watch_endpoint_slices(std::move(opts), std::move(h));
}

/// The cache key of an object: "ns/name", or "name" for cluster-scoped kinds.
inline std::string object_key(const service_snapshot& x) {
  return x.ns + "/" + x.name;
}
inline std::string object_key(const node_snapshot& x) {
  return x.name;
}
inline std::string object_key(const endpoint_slice_snapshot& x) {
  return x.ns + "/" + x.name;
}

} // namespace vcdlb::kube
