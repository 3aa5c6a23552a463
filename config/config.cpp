#include "config/config.hpp"

namespace vcdlb::config {

std::string_view to_string(lb_mode m) noexcept {
  switch (m) {
  case lb_mode::a:
    return "A";
  case lb_mode::b:
    return "B";
  case lb_mode::c:
    return "C";
  }
  return "?";
}

std::string_view describe(lb_mode m) noexcept {
  switch (m) {
  case lb_mode::a:
    return "A (one-arm, dedicated; one external IP per Service, one internal IP per port, "
           "DNAT per port)";
  case lb_mode::b:
    return "B (one-arm, shared; one external IP and one internal IP per Service, DNAT per "
           "port; needs VCD >= 10.4)";
  case lb_mode::c:
    return "C (shared, no one-arm; the external IP is the virtual IP of every port; needs VCD "
           ">= 10.4)";
  }
  return "?";
}

std::string_view to_string(naming_scheme n) noexcept {
  return n == naming_scheme::upstream ? "upstream" : "namespaced";
}

std::string_view to_string(log_format f) noexcept {
  return f == log_format::json ? "json" : "text";
}

} // namespace vcdlb::config
