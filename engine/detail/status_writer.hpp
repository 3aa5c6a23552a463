#pragma once

/// @file engine/detail/status_writer.hpp
/// @brief The status_writer_actor (protocol/interfaces.hpp) over a status_sink: turns the
/// sink's callback into the reply the service actor waits for. The callback may come from any
/// thread; it is brought back into the actor as a message before the promise is delivered.

#include <memory>

#include "actors/gateway_actor.hpp"
#include "engine/status_sink.hpp"
#include "protocol/interfaces.hpp"

namespace vcdlb::detail {

using status_writer_impl = status_writer_actor::extend<caf::reacts_to<resume_atom, resume>>;

struct status_writer_state {
  std::shared_ptr<status_sink> sink;
  static constexpr const char* name = "status-writer";
};

status_writer_impl::behavior_type
status_writer_behavior(status_writer_impl::stateful_pointer<status_writer_state> self,
                       std::shared_ptr<status_sink> sink);

} // namespace vcdlb::detail
