#include "engine/detail/status_writer.hpp"

#include "adapters/asio/bridge.hpp"
#include "caf/typed_event_based_actor.hpp"

namespace vcdlb::detail {

status_writer_impl::behavior_type
status_writer_behavior(status_writer_impl::stateful_pointer<status_writer_state> self,
                       std::shared_ptr<status_sink> sink) {
  self->state.sink = std::move(sink);
  return {
    [self](const service_status& status) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      asio_bridge::weak_sender<status_writer_impl> back{self};
      self->state.sink->write_status(status, [back, rp](caf::error err) mutable {
        back.send(resume_atom::value, resume{[rp, err]() mutable {
                    if (err)
                      rp.deliver(std::move(err));
                    else
                      rp.deliver(caf::ok_atom::value);
                  }});
      });
      return rp;
    },
    [self](const service_event& event) { self->state.sink->record_event(event); },
    [](resume_atom, resume& r) { r.fn(); },
  };
}

} // namespace vcdlb::detail
