#include "bench/floor.hpp"

namespace vcdlb::bench {

mutation_floor floor_for(phase_kind k, config::lb_mode mode, uint64_t services, uint64_t ports,
                         std::chrono::nanoseconds task_duration) {
  bool one_arm = mode != config::lb_mode::c;
  uint64_t gw_per_port = one_arm ? 3 : 2;    // (DNAT) + pool + VS
  uint64_t other_per_port = one_arm ? 1 : 0; // application port profile
  uint64_t n_ports = services * ports;
  mutation_floor f;
  switch (k) {
  case phase_kind::create:
  case phase_kind::remove:
    f.gateway_mutations = n_ports * gw_per_port;
    f.other_mutations = n_ports * other_per_port;
    break;
  case phase_kind::update:
  case phase_kind::restart:
    f.gateway_mutations = services * 2 * gw_per_port;
    f.other_mutations = services * 2 * other_per_port;
    break;
  case phase_kind::churn:
  case phase_kind::churn_endpoints:
    f.gateway_mutations = n_ports;
    break;
  case phase_kind::shared_ports:
    f.gateway_mutations = n_ports * (one_arm ? 2 : 1);
    f.other_mutations = n_ports * other_per_port;
    break;
  case phase_kind::resync:
  case phase_kind::drift_repair:
    break;
  }
  f.time = task_duration * static_cast<int64_t>(f.gateway_mutations);
  return f;
}

} // namespace vcdlb::bench
