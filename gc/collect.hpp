#pragma once

/// @file gc/collect.hpp
/// @brief Clean up after deleted clusters: find the load-balancer objects on one edge gateway
/// (virtual services, pools, DNAT rules), the org's application port profiles and, on a gateway
/// that allocates from IP Spaces, the floating-IP allocations whose owning cluster no longer
/// exists; remove the objects in dependency order and release the IPs. What `vcdlb gc` runs;
/// the same for embedders.
///
/// The owner of an object comes from the `vcdlb-cluster-id=` marker in its description (vcdlb
/// writes it on every object it creates), from an upstream name (which embeds
/// `capvcdCluster:<uuid>`), or from a name of one of the candidate cluster ids (vcdlb's names
/// carry only a tag of the cluster id). The owner of an allocation comes from its claim marker
/// (`cluster-<trimmed cluster id>-namespace-<ns>-service-<name>`, upstream's and vcdlb's):
/// `capvcdCluster:<uuid>` names the RDE, other trimmed ids need a candidate cluster id. An
/// allocation is released only after every virtual service and DNAT rule on the gateway that
/// uses its IP is gone; one still used by an object gc keeps is kept. A cluster is gone when its
/// RDE does not exist (404) or is IN_DELETION; an RDE that exists keeps its objects; any other
/// answer (403, errors), and ids that are not RDE URNs (NO_RDE_...), leave the owner unestablished:
/// such objects are reported as skipped and never touched.
///
/// `collect` blocks the calling thread (each client call waits for its answer with a deadline;
/// task polls sleep): call it from a thread of its own, never inside an actor or on the
/// client's I/O threads. Not thread-safe per call; independent calls may run concurrently.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "adapters/vcd/client.hpp"
#include "caf/expected.hpp"

namespace vcdlb::gc {

/// What a finding is: one of the four load-balancer object kinds, or an IP Space allocation.
enum class item_kind : uint8_t {
  virtual_service,
  dnat_rule,
  pool,
  app_port_profile,
  ip_allocation, ///< a floating IP reserved from an IP Space (`usageState: USED_MANUAL`)
};

[[nodiscard]] std::string_view to_string(item_kind x) noexcept;

enum class verdict : uint8_t {
  remove, ///< the owner cluster is gone
  keep,   ///< the owner cluster exists
  skip,   ///< the owner cannot be established: never touched
};

[[nodiscard]] std::string_view to_string(verdict x) noexcept;

/// One object with a cluster reference and what gc makes of it.
struct finding {
  item_kind kind = item_kind::virtual_service;
  std::string id;
  std::string name;        ///< ip_allocation: the IP
  std::string ip_space_id; ///< ip_allocation: the IP Space it is allocated from
  std::string cluster_id;  ///< the owner; "" when not established
  verdict what = verdict::skip;
  std::string reason;
  // With `apply`, for `remove` findings:
  bool removed = false;
  std::string error; ///< why the removal failed; "" otherwise
};

struct options {
  std::string gateway_id; ///< urn:vcloud:gateway:...
  /// Cluster ids an operator names as possible owners (vcdlb names carry only their tag).
  std::vector<std::string> candidate_cluster_ids;
  bool apply = false; ///< false: dry run, nothing is changed
  std::chrono::milliseconds request_timeout{std::chrono::seconds{120}};
  std::chrono::milliseconds task_timeout{std::chrono::minutes{10}};
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds{500}};
  /// Tries of a call that fails transiently (busy gateway, 429, 5xx, timeouts).
  uint32_t max_attempts = 6;
  /// How to wait between task polls and retries; empty: std::this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
};

struct report {
  /// Virtual services, DNAT rules, pools, app port profiles, IP allocations (the removal order).
  std::vector<finding> findings;

  [[nodiscard]] size_t count(verdict v) const;
  [[nodiscard]] size_t removed() const;
  [[nodiscard]] size_t failed() const;
};

/// Lists, judges and (with `opts.apply`) removes. Fails only when the objects cannot be listed
/// (nothing is removed then); failures of single removals are in the findings.
[[nodiscard]] caf::expected<report> collect(vcd::client& client, const options& opts);

/// The findings as an aligned text table (one row per finding) and a summary line.
[[nodiscard]] std::string format_report(const report& r, bool applied);

} // namespace vcdlb::gc
