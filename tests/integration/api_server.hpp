#pragma once

/// @file tests/integration/api_server.hpp
/// @brief The Kubernetes side of the integration tests: a table of Services, Nodes and
/// EndpointSlices that
/// applies the engine's status writes like the API server (finalizer, ingress, deletion once
/// the last finalizer is gone) and delivers every change to the attached engine like an
/// informer would (initial full lists, then upserts and deletes, in order).
///
/// Thread-safety: every member may be called from any thread. Changes and the events that
/// report them are made under one mutex, so the engine sees them in the order they happened.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "engine/status_sink.hpp"

namespace vcdlb::integration {

class api_server final : public status_sink {
public:
  /// Starts delivering events to `eng` with the full Node and Service lists (what an informer
  /// does at start). The engine must stay alive until `detach`.
  void attach(engine* eng);
  /// Stops delivering events (the controller is down).
  void detach();

  // -- what users do ----------------------------------------------------------------------------

  /// Creates or updates the user-owned part of a Service (spec and annotations); metadata
  /// (uid, finalizer, deletion) and status stay as the server holds them. A new object gets a
  /// new uid.
  void apply(service_spec spec);
  /// `kubectl delete`: with the finalizer the Service only gets a deletion timestamp;
  /// without it, it is gone at once.
  void request_delete(const service_key& key);
  /// Stores `spec` as given, metadata and status included (a Service another controller
  /// managed before); delivered like any change.
  void seed(service_spec spec);
  /// The Service is gone at once, finalizer or not (finalizers removed by hand, then deleted).
  void force_delete(const service_key& key);
  void apply_node(node_description node);
  void remove_node(const std::string& name);
  /// An EndpointSlice created or changed (by the endpoint slice controller as pods move).
  void apply_slice(endpoint_slice_info slice);
  void remove_slice(const service_key& service, const std::string& name);

  // -- inspection -------------------------------------------------------------------------------

  [[nodiscard]] std::optional<service_spec> get(const service_key& key) const;
  [[nodiscard]] std::vector<service_spec> services() const;
  [[nodiscard]] std::vector<node_description> nodes() const;
  [[nodiscard]] std::vector<endpoint_slice_info> slices() const;
  /// The ingress IP of `key`, "" if none (or no such Service).
  [[nodiscard]] std::string ip_of(const service_key& key) const;
  /// Status writes stored so far.
  [[nodiscard]] uint64_t writes() const;
  /// Event reasons recorded for `key`, in order.
  [[nodiscard]] std::vector<std::string> reasons(const service_key& key) const;
  /// Every event recorded so far, by Service, in order.
  [[nodiscard]] std::map<service_key, std::vector<service_event>> events() const;

  // -- status_sink ------------------------------------------------------------------------------

  void write_status(const service_status& status, done_fn done) override;
  void record_event(const service_event& event) override;

private:
  void send_locked(const service_spec& spec);

  mutable std::mutex mutex_;
  engine* engine_ = nullptr;
  std::map<service_key, service_spec> services_;
  std::map<std::string, node_description> nodes_;
  std::map<std::pair<service_key, std::string>, endpoint_slice_info> slices_;
  std::map<service_key, std::vector<service_event>> events_;
  uint64_t next_uid_ = 1;
  uint64_t writes_ = 0;
};

} // namespace vcdlb::integration
