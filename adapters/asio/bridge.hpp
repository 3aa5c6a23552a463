#pragma once

/// @file adapters/asio/bridge.hpp
/// @brief Crossing between Asio threads and CAF actors without blocking either side.
///
/// Rules (caf-and-style.md A.7):
/// - Asio thread -> actor: `caf::anon_send` is safe from any thread. A callback an adapter may
///   keep (a pending request's) reaches the actor through a `weak_sender`, never a strong handle.
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

#include "caf/actor_cast.hpp"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/expected.hpp"
#include "caf/send.hpp"
#include "caf/weak_intrusive_ptr.hpp"

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

/// Sends completions from I/O threads to an actor that it holds weakly. An adapter keeps a
/// pending request's callback until the answer arrives; if that callback held the actor
/// strongly, a callback parked in a client the actor owns (directly, or through its spawn
/// arguments, which CAF keeps as long as the actor object lives) would be a reference cycle, and
/// stopping with a request in flight would leak the actor, the client and all they hold. A
/// completion for an actor that is gone is dropped, as the message would have been.
/// Thread-safety: `send` may be called from any thread. Copyable.
template <class Handle>
class weak_sender {
public:
  template <class Actor>
  explicit weak_sender(Actor* self) : target_(caf::actor_cast<caf::weak_actor_ptr>(self)) {}

  /// Sends `xs...` to the actor if it is still alive.
  template <class... Ts>
  void send(Ts&&... xs) const {
    if (auto strong = target_.lock())
      caf::anon_send(caf::actor_cast<Handle>(std::move(strong)), std::forward<Ts>(xs)...);
  }

private:
  caf::weak_actor_ptr target_;
};

} // namespace vcdlb::asio_bridge
