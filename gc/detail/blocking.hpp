#pragma once

/// @file gc/detail/blocking.hpp
/// @brief One asynchronous vcd::client call, waited for with a deadline. For tools that run on
/// their own thread (never inside an actor or on the client's I/O threads).

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include "adapters/vcd/client.hpp"
#include "caf/expected.hpp"

namespace vcdlb::gc::detail {

/// A timeout of a blocking call, as an error value (vcd_errc::unavailable: retryable).
[[nodiscard]] caf::error timeout_error(const std::string& what);

/// Starts `call` with a completion callback and waits up to `timeout` for it.
template <class T>
caf::expected<T> await(const std::function<void(vcd::callback<T>)>& call,
                       std::chrono::milliseconds timeout, const std::string& what) {
  auto promise = std::make_shared<std::promise<caf::expected<T>>>();
  auto future = promise->get_future();
  call([promise](caf::expected<T> result) { promise->set_value(std::move(result)); });
  if (future.wait_for(timeout) != std::future_status::ready)
    return timeout_error(what);
  return future.get();
}

} // namespace vcdlb::gc::detail
