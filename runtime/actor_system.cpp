#include "runtime/actor_system.hpp"

#include <algorithm>

#include "caf/atom.hpp"
#include "protocol/register.hpp"

namespace vcdlb::runtime {

void configure_actor_system(caf::actor_system_config& cfg, int worker_threads) {
  register_types(cfg);
  cfg.set("scheduler.max-threads", std::max(1, worker_threads));
  // Work sharing: one queue, and a worker without work blocks on its condition variable. CAF's
  // default, work stealing, polls after every job that empties a worker's queue (100 tries,
  // then 500 more 50 us apart, then a steal attempt every 10 ms for good): a controller mostly
  // waits for VCD and the API server, and each timer or reply woke that polling again. With
  // sharing an idle controller sleeps, and a busy one spends less CPU for the same work
  // (bench/README.md, "Idle controller").
  cfg.set("scheduler.policy", caf::atom("sharing"));
}

} // namespace vcdlb::runtime
