#include "gc/detail/blocking.hpp"

#include "protocol/errors.hpp"

namespace vcdlb::gc::detail {

caf::error timeout_error(const std::string& what) {
  return caf::make_error(vcd_errc::unavailable, "no answer in time: " + what);
}

} // namespace vcdlb::gc::detail
