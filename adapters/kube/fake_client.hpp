#pragma once

/// @file adapters/kube/fake_client.hpp
/// @brief An in-memory, deterministic `kube::client` for unit tests of the engine and of the
/// informers, writers and leader elector.
///
/// It models what those depend on (kubernetes-api.md 6): one global increasing resourceVersion,
/// no-op writes that bump nothing, list RVs, watches from an RV (replay of a bounded history,
/// ERROR 410 when the RV is older than the history), synthetic ADDED for RV ""/"0", optional
/// BOOKMARKs, optimistic concurrency (409), finalizer deletion semantics, `ipMode: VIP`
/// defaulting, and fault injection.
///
/// No threads: completions and watch events are queued and delivered, in order, by `run()`.
/// Not thread-safe: use it from the test's thread only.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/kube/client.hpp"
#include "adapters/kube/node_client.hpp"

namespace vcdlb::kube {

class fake_client : public client, public node_client {
public:
  fake_client();
  ~fake_client() override;

  // -- client --------------------------------------------------------------------------------

  void list_services(list_options opts, callback<list_result<service_snapshot>> done) override;
  watch_ptr watch_services(watch_options opts, watch_handler<service_snapshot> h) override;
  void get_service(service_key key, callback<service_snapshot> done) override;
  void patch_service_status(service_key key, std::vector<lb_ingress> ingress,
                            callback<service_snapshot> done) override;
  void patch_service_finalizers(service_key key, std::vector<std::string> finalizers,
                                std::string resource_version,
                                callback<service_snapshot> done) override;
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

  // -- node_client -----------------------------------------------------------------------------

  void patch_node(std::string name, node_update u, callback<node_snapshot> done) override;
  /// Keeps InternalIP and ExternalIP entries (as `node_snapshot` does; `hostname` is dropped).
  void patch_node_addresses(std::string name, std::vector<node_address> addresses,
                            std::string hostname, callback<node_snapshot> done) override;
  void delete_node(std::string name, std::string uid, callback<caf::unit_t> done) override;

  // -- the test's side: objects ----------------------------------------------------------------

  /// Creates or replaces a Service (uid assigned when empty; RV assigned); returns it as stored.
  service_snapshot put_service(service_snapshot s);
  /// DELETE semantics: with finalizers the Service gets a deletionTimestamp, else it is removed.
  void delete_service(const service_key& key);
  node_snapshot put_node(node_snapshot n);
  void delete_node(const std::string& name);
  [[nodiscard]] std::optional<node_snapshot> node(const std::string& name) const;
  endpoint_slice_snapshot put_endpoint_slice(endpoint_slice_snapshot s);
  void delete_endpoint_slice(const service_key& key);
  /// Creates or replaces a Lease, e.g. to simulate another holder.
  lease put_lease(lease l);

  [[nodiscard]] std::optional<service_snapshot> service(const service_key& key) const;
  [[nodiscard]] std::optional<lease> lease_of(const service_key& key) const;
  [[nodiscard]] std::vector<event> events() const;
  /// The current global resourceVersion.
  [[nodiscard]] std::string resource_version() const;

  // -- the test's side: watches and faults -----------------------------------------------------

  /// Keeps at most `n` events per kind for watch replay (default 1000).
  void set_history_limit(size_t n);
  /// Forgets all watch history: a watch from any earlier RV gets ERROR 410.
  void compact();
  /// Ends every open watch cleanly (as on the server's timeoutSeconds).
  void close_watches();
  /// Sends ERROR 410 Expired to every open watch and ends it.
  void expire_watches();
  /// Sends a BOOKMARK with the current RV to every open watch that allows bookmarks.
  void bookmark();
  /// Watches open right now (all kinds).
  [[nodiscard]] size_t open_watches() const;

  /// The next `times` calls of `op` (the member function's name, e.g. "update_lease",
  /// "watch_services") fail with `err` without touching the store.
  void fail_next(const std::string& op, caf::error err, int times = 1);
  /// Every call of `op` fails with `err` until cleared with an empty error.
  void fail_always(const std::string& op, caf::error err);

  // -- delivery --------------------------------------------------------------------------------

  /// Delivers queued completions and watch events in order (including those queued while
  /// running); returns how many ran.
  size_t run();
  [[nodiscard]] size_t pending() const { return queue_.size(); }

  /// Every operation called so far, e.g. "list_services rv=0 limit=500",
  /// "watch_services rv=12", "patch_service_status default/web".
  [[nodiscard]] const std::vector<std::string>& calls() const { return calls_; }
  void clear_calls() { calls_.clear(); }

  struct state;

private:
  caf::error injected(const std::string& op);
  void post(std::function<void()> f);

  std::unique_ptr<state> st_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::string> calls_;
  std::map<std::string, std::deque<caf::error>> fail_next_;
  std::map<std::string, caf::error> fail_always_;
};

} // namespace vcdlb::kube
