#pragma once

/// @file actors/detail/packed_spec.hpp
/// @brief A Service snapshot as one compact byte string: what the service manager and a service
/// actor keep between reconciles (a fifth of a service_spec's footprint: no empty strings, no
/// per-field allocations). Equal specs pack to equal strings, so comparing two packed
/// snapshots compares the specs. Pure functions, thread-safe.

#include <string>
#include <string_view>

#include "protocol/service.hpp"

namespace vcdlb::detail {

/// Every field of `spec`.
[[nodiscard]] std::string pack(const service_spec& spec);

/// The spec `pack` was given. `packed` must come from `pack` (it is not validated).
[[nodiscard]] service_spec unpack(std::string_view packed);

} // namespace vcdlb::detail
