#pragma once

/// @file actors/detail/packed_spec.hpp
/// @brief A Service snapshot as one compact byte string: what the service manager and a service
/// actor keep between reconciles (a fifth of a service_spec's footprint: no empty strings, no
/// per-field allocations). Equal specs pack to equal strings, so comparing two packed
/// snapshots compares the specs. Pure functions, thread-safe.

#include <memory>
#include <string>
#include <string_view>

#include "protocol/service.hpp"

namespace vcdlb::detail {

/// Every field of `spec`.
[[nodiscard]] std::string pack(const service_spec& spec);

/// The spec `pack` was given. `packed` must come from `pack` (it is not validated; other
/// input gives some spec, never undefined behaviour).
[[nodiscard]] service_spec unpack(std::string_view packed);

/// A packed spec as an immutable value shared by copies: one allocation (its counts, length and
/// bytes). Thread-safe to share once built (never mutated).
class shared_packed_spec {
public:
  shared_packed_spec() = default;
  explicit shared_packed_spec(std::string_view packed);

  /// The bytes ("" when empty).
  [[nodiscard]] std::string_view bytes() const noexcept;
  [[nodiscard]] explicit operator bool() const noexcept { return data_ != nullptr; }

private:
  std::shared_ptr<const char[]> data_; ///< a 4-byte length, then the bytes
};

} // namespace vcdlb::detail
