#pragma once

/// @file adapters/kube/informer.hpp
/// @brief List+watch informers (client-go's Reflector + cache) for Services, Nodes and
/// EndpointSlices, delivering typed deltas to a handler.
///
/// Algorithm (kubernetes-api.md 1.6): LIST (RV "0" the first time, then the last RV, then "" if
/// that RV is unavailable; paged only for "" / "0") -> replace the cache and deliver the diff ->
/// WATCH from the list RV with bookmarks and a random 5-10 min timeoutSeconds -> apply events,
/// advancing the RV (also on BOOKMARK) -> on a clean end re-watch from the last RV -> on 410
/// Expired / Gone or ResourceVersionTooLarge relist -> on other errors back off (800 ms doubling
/// to 30 s, jittered, reset after 2 min without trouble) and retry. A periodic resync re-delivers
/// the cache without API traffic.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/kube/client.hpp"
#include "adapters/kube/timer.hpp"

namespace vcdlb::kube {

enum class delta_type : uint8_t {
  added,   ///< new object (also after a relist)
  updated, ///< changed object; `old` holds the previous state
  deleted, ///< object gone (its last known state); also for objects missing after a relist
  resync,  ///< periodic re-delivery of an unchanged cached object
  synced,  ///< the first list is in the cache (once; `object` is empty)
};

std::string_view to_string(delta_type t);

template <class T>
struct delta {
  delta_type type = delta_type::added;
  T object;
  T old; ///< only for `updated`
};

struct informer_options {
  std::string ns;             ///< "" = all namespaces
  std::string label_selector; ///< "" = everything
  std::string field_selector;
  int64_t page_size = 500;                        ///< LIST limit when paging applies
  std::chrono::milliseconds resync_period{0};     ///< 0 = no resync
  std::chrono::seconds min_watch_timeout{300};    ///< timeoutSeconds in [min, 2*min)
  std::chrono::milliseconds backoff_initial{800}; ///< client-go reflector defaults
  std::chrono::milliseconds backoff_max{30'000};
  std::chrono::milliseconds backoff_reset{120'000}; ///< quiet time that resets the backoff
  double backoff_jitter = 1.0;                      ///< delay *= 1 + rand[0, jitter)
  uint64_t seed = 0;                                ///< RNG seed; 0 = random
};

/// Counters for tests and metrics.
struct informer_stats {
  uint64_t lists = 0;   ///< completed LISTs (all pages)
  uint64_t watches = 0; ///< watches started
  uint64_t relists_after_gone = 0;
  uint64_t errors = 0; ///< failed lists and watches
};

/// One informer for objects of kind `T` (service_snapshot, node_snapshot,
/// endpoint_slice_snapshot). Thread-safe. The handler is called with the informer's lock held,
/// in event order, never concurrently; it must not block or call back into the informer
/// (forward with `caf::anon_send`). Create with `make`; hold the shared_ptr while it runs.
template <class T>
class informer : public std::enable_shared_from_this<informer<T>> {
public:
  using handler_type = std::function<void(const delta<T>&)>;

  [[nodiscard]] static std::shared_ptr<informer> make(client_ptr c, timer_queue& timers,
                                                      informer_options opts, handler_type handler);

  informer(client_ptr c, timer_queue& timers, informer_options opts, handler_type handler);
  ~informer();

  /// Starts the first LIST. Idempotent.
  void start();
  /// Cancels the watch and timers; no delta is delivered after `stop` returns. Idempotent.
  void stop();

  /// True once the first LIST has been delivered.
  [[nodiscard]] bool has_synced() const;
  /// A copy of the cache.
  [[nodiscard]] std::vector<T> list() const;
  /// The cached object with this key ("ns/name", or "name" for Nodes).
  [[nodiscard]] std::optional<T> get(const std::string& key) const;
  /// The RV the next watch would start from.
  [[nodiscard]] std::string last_resource_version() const;
  [[nodiscard]] informer_stats stats() const;

  struct state;

private:
  std::shared_ptr<state> st_;
};

extern template class informer<service_snapshot>;
extern template class informer<node_snapshot>;
extern template class informer<endpoint_slice_snapshot>;

using service_informer = informer<service_snapshot>;
using node_informer = informer<node_snapshot>;
using endpoint_slice_informer = informer<endpoint_slice_snapshot>;

} // namespace vcdlb::kube
