#pragma once

/// @file adapters/asio/bridge.hpp
/// @brief Crossing between Asio threads and CAF actors without blocking either side.
///
/// Rules (caf-and-style.md A.7):
/// - Asio thread -> actor: `caf::anon_send` is safe from any thread.
/// - Actor -> I/O: the actor posts the operation to the io_context; the completion handler
///   *messages* the actor, which then delivers its response promise on its own turn. A promise is
///   never delivered from an Asio thread.
/// - Asio code that needs an actor's reply uses `ask_async`: a one-shot helper actor makes the
///   request (with a finite timeout) and posts the outcome back to the io_context.

#include <chrono>
#include <functional>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/expected.hpp"

namespace vcdlb::asio_bridge {

/// Sends `xs...` to `dest` as a request and calls `done(caf::expected<Result>)` on `io`'s threads
/// when the reply, an error, or the timeout arrives. Never blocks the caller; safe to call from
/// any thread. `done` is called exactly once, unless `io` is stopped first.
template <class Result, class Handle, class... Ts>
void ask_async(caf::actor_system& sys, boost::asio::io_context& io, const Handle& dest,
               caf::timespan timeout, std::function<void(caf::expected<Result>)> done,
               Ts... xs) {
  sys.spawn([=, &io](caf::event_based_actor* self) {
    self->request(dest, timeout, xs...)
      .then(
        [=, &io](Result& r) {
          boost::asio::post(io, [done, r = std::move(r)]() mutable { done(std::move(r)); });
        },
        [=, &io](caf::error& e) {
          boost::asio::post(io, [done, e = std::move(e)]() mutable { done(std::move(e)); });
        });
  });
}

} // namespace vcdlb::asio_bridge
