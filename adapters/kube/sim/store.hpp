#pragma once

/// @file adapters/kube/sim/store.hpp
/// @brief Objects, the global resourceVersion, the bounded event history and the open watches
/// of the API server double.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "adapters/http/server.hpp"
#include "adapters/kube/sim/clock.hpp"
#include "adapters/kube/sim/resources.hpp"
#include "adapters/kube/sim/selectors.hpp"
#include "adapters/kube/sim/status.hpp"
#include "adapters/kube/sim/table.hpp"

namespace vcdlb::kube::sim {

enum class event_type { added, modified, deleted };

/// What an open watch wants to see.
struct watch_spec {
  const resource_info* resource = nullptr;
  std::string ns; ///< "" = all namespaces (or a cluster-scoped resource)
  label_selector labels;
  field_selector fields;
  std::optional<uint64_t> from_rv; ///< unset: start with synthetic ADDED for the current state
  bool bookmarks = false;          ///< allowWatchBookmarks
  /// sendInitialEvents: after the synthetic ADDED events, a BOOKMARK annotated
  /// `k8s.io/initial-events-end: "true"` (requires `bookmarks`, ignores `from_rv`)
  bool initial_events = false;
  /// Events carry one-row Tables (kubectl's `as=Table` Accept) instead of objects
  bool table = false;
  table_object table_include = table_object::metadata;
  sim_clock::time_point deadline; ///< the watch ends cleanly then
};

struct store_options {
  size_t history_capacity = 1000;             ///< events kept for watch resumption
  std::chrono::seconds history_age{300};      ///< events older than this are compacted
  std::chrono::seconds bookmark_interval{60}; ///< periodic BOOKMARKs for watches that allow them
  /// Events (core/v1) are deleted this long after their last write, as kube-apiserver's
  /// `--event-ttl` (default 1 h) does; zero keeps them.
  std::chrono::seconds event_ttl{3600};
};

/// The state of the double. NOT thread-safe: its owner (`api_core`) serializes every call with
/// one mutex, which also makes watch delivery happen in commit (= resourceVersion) order.
///
/// Every write gets the next value of one global resourceVersion counter, is appended to a
/// bounded history and delivered at once to matching watches as one compact JSON line.
/// Objects are Boost.JSON objects keyed by resource id, namespace and name.
class store {
public:
  explicit store(store_options opts = {});

  /// The current global resourceVersion (that of the last write).
  [[nodiscard]] uint64_t resource_version() const noexcept { return rv_; }
  /// Events with resourceVersion <= this are gone from the history.
  [[nodiscard]] uint64_t compacted_version() const noexcept { return compacted_rv_; }

  [[nodiscard]] const boost::json::object* find(const resource_info& r, std::string_view ns,
                                                std::string_view name) const;

  /// Current objects of `r` in `ns` ("" = all), ordered by (namespace, name).
  [[nodiscard]] std::vector<const boost::json::object*> list(const resource_info& r,
                                                             std::string_view ns) const;

  /// The objects of `r` in `ns` as they were right after resourceVersion `rv` (rebuilt from
  /// history); 410 Expired when `rv` was compacted.
  [[nodiscard]] result<std::vector<boost::json::object>>
  list_at(const resource_info& r, std::string_view ns, uint64_t rv) const;

  /// Stores `obj` (created when absent, replaced otherwise) with the next resourceVersion,
  /// records the event and notifies watches. Returns the stored object.
  boost::json::object put(const resource_info& r, boost::json::object obj,
                          sim_clock::time_point now);

  /// Removes the object; its last state with the deletion's resourceVersion goes to watches
  /// and is returned. Null when absent.
  std::optional<boost::json::object> erase(const resource_info& r, std::string_view ns,
                                           std::string_view name, sim_clock::time_point now);

  /// Starts serving `spec` on `out`, whose chunked 200 head has been sent: replays history after
  /// `from_rv` (or synthetic ADDED events), then follows live writes. A `from_rv` older than
  /// the history gets one ERROR event (410 Expired) and the stream ends.
  void watch(watch_spec spec, std::shared_ptr<http::response_writer> out,
             sim_clock::time_point now);

  /// Ends watches past their deadline (after a last BOOKMARK if allowed), sends periodic
  /// BOOKMARKs, forgets closed connections, deletes Events past their TTL (watches see
  /// DELETED) and compacts history by age.
  void tick(sim_clock::time_point now);

  /// Drops every open watch connection without a clean end (fault injection).
  void drop_watches();
  /// Ends every open watch cleanly (shutdown).
  void finish_watches();
  /// Forgets the whole history: every watch or Exact list from an older RV gets 410.
  void expire_history();

  [[nodiscard]] size_t watch_count() const noexcept { return watchers_.size(); }

private:
  struct history_event {
    uint64_t rv = 0;
    std::string resource;
    event_type type = event_type::added;
    boost::json::object object;                  ///< new state; for DELETED the last state
    std::optional<boost::json::object> previous; ///< state before (MODIFIED, DELETED)
    sim_clock::time_point at;
  };

  struct watcher {
    watch_spec spec;
    std::shared_ptr<http::response_writer> out;
    sim_clock::time_point next_bookmark;
    bool dead = false;
    bool sent_columns = false; ///< Table watches: column definitions go with the first row
  };

  void record(history_event ev, sim_clock::time_point now);
  void deliver(watcher& w, const history_event& ev);
  bool send(watcher& w, const char* type, const boost::json::object& obj);
  void send_bookmark(watcher& w, bool initial_events_end = false);
  void compact(sim_clock::time_point now);
  void reap();
  void expire_events(sim_clock::time_point now);

  store_options opts_;
  uint64_t rv_ = 0;
  uint64_t compacted_rv_ = 0;
  /// resource id -> "namespace/name" -> object
  std::map<std::string, std::map<std::string, boost::json::object>> objects_;
  std::deque<history_event> history_;
  std::vector<watcher> watchers_;
  /// Events' expiry: "namespace/name" -> when its TTL ends (moved by every write), and the
  /// same times in order (stale entries, of Events written again or deleted, are skipped).
  std::map<std::string, sim_clock::time_point> event_expires_;
  std::multimap<sim_clock::time_point, std::pair<std::string, std::string>> event_expiry_order_;
  sim_clock::time_point now_{}; ///< the latest time seen (Table ages in watch events)
};

/// Whether `obj` passes the namespace and selectors of `spec`.
[[nodiscard]] bool matches(const watch_spec& spec, const boost::json::object& obj);

} // namespace vcdlb::kube::sim
