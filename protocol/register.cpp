#include "protocol/register.hpp"

#include "protocol/errors.hpp"
#include "protocol/type_ids.hpp"

namespace vcdlb {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::vcdlb_engine>();
  // add_error_category<T>(atom) does not compile in CAF 0.17.6: use the explicit renderer.
  for (auto category : {caf::atom("config"), caf::atom("net"), caf::atom("vcd"), caf::atom("kube"),
                        caf::atom("lb")}) {
    cfg.add_error_category(category,
                           [](uint8_t code, caf::atom_value cat, const caf::message& ctx) {
                             return describe(caf::error{code, cat, ctx});
                           });
  }
}

} // namespace vcdlb
