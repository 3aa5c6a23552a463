#pragma once

/// @file controller/kube_status_sink.hpp
/// @brief The engine's `status_sink` over the Kubernetes API: the cleanup finalizer and
/// `status.loadBalancer.ingress` through `kube::service_writer`, Events through
/// `kube::event_recorder`.
///
/// Order of writes, as the reference service controller does it:
/// - finalizer wanted: add the finalizer (before any cloud object exists), then the status;
/// - finalizer not wanted (cleanup finished): clear or set the status, then drop the finalizer.
///   A Service that is gone meanwhile is success: that is where removal leads.
///
/// `current` for the writer is the informer's cached snapshot (`lookup`); on a cache miss the
/// Service is read from the API once. A stale snapshot is fine: the writer re-reads and retries
/// on 409.
///
/// Thread-safety: both members may be called from any thread concurrently; they never block.
/// Completions run on the client's or the timer queue's threads. Ownership: the sink shares the
/// client, writer and recorder; they must stay usable (client not shut down) while writes are
/// pending.

#include <functional>
#include <memory>
#include <optional>

#include "adapters/kube/client.hpp"
#include "adapters/kube/event_recorder.hpp"
#include "adapters/kube/service_writer.hpp"
#include "engine/status_sink.hpp"

namespace vcdlb {

class kube_status_sink final : public status_sink {
public:
  /// The cached Service with this key, if any (e.g. `service_informer::get("ns/name")`).
  using lookup_fn = std::function<std::optional<kube::service_snapshot>(const kube::service_key&)>;

  kube_status_sink(kube::client_ptr client, std::shared_ptr<kube::service_writer> writer,
                   std::shared_ptr<kube::event_recorder> recorder, lookup_fn lookup);

  void write_status(const service_status& status, done_fn done) override;
  void record_event(const service_event& event) override;

private:
  static void write_from(const std::shared_ptr<kube::service_writer>& writer,
                         const kube::service_snapshot& current, const service_status& status,
                         done_fn done);

  kube::client_ptr client_;
  std::shared_ptr<kube::service_writer> writer_;
  std::shared_ptr<kube::event_recorder> recorder_;
  lookup_fn lookup_;
};

} // namespace vcdlb
