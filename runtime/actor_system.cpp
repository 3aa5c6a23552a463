#include "runtime/actor_system.hpp"

#include <algorithm>

#include "protocol/register.hpp"

namespace vcdlb::runtime {

void configure_actor_system(caf::actor_system_config& cfg, int worker_threads) {
  register_types(cfg);
  cfg.set("scheduler.max-threads", std::max(1, worker_threads));
}

} // namespace vcdlb::runtime
