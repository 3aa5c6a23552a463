#include "adapters/kube/client.hpp"

namespace vcdlb::kube {

std::string_view to_string(watch_event_type t) {
  switch (t) {
  case watch_event_type::added:
    return "ADDED";
  case watch_event_type::modified:
    return "MODIFIED";
  case watch_event_type::deleted:
    return "DELETED";
  case watch_event_type::bookmark:
    return "BOOKMARK";
  case watch_event_type::error:
    return "ERROR";
  }
  return "UNKNOWN";
}

} // namespace vcdlb::kube
