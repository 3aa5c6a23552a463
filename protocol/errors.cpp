#include "protocol/errors.hpp"

#include <array>
#include <string_view>

#include "caf/message.hpp"
#include "caf/sec.hpp"

namespace vcdlb {

namespace {

// Maps a 1-based enum code to its name; codes outside the table render as "code-N" so that a
// newer peer's error never crashes an older renderer.
template <class Enum, size_t N>
std::string name_of(Enum x, const std::array<std::string_view, N>& names) {
  auto i = static_cast<size_t>(x);
  if (i >= 1 && i <= N)
    return std::string{names[i - 1]};
  return "code-" + std::to_string(i);
}

} // namespace

std::string to_string(config_errc x) {
  static constexpr std::array<std::string_view, 6> names{
    "invalid_yaml", "unknown_key", "missing_key", "wrong_type", "invalid_value", "unreadable_file"};
  return name_of(x, names);
}

std::string to_string(net_errc x) {
  static constexpr std::array<std::string_view, 8> names{
    "resolve_failed",    "connect_failed", "tls_failed",     "timeout",
    "connection_closed", "protocol_error", "body_too_large", "cancelled"};
  return name_of(x, names);
}

std::string to_string(vcd_errc x) {
  static constexpr std::array<std::string_view, 15> names{
    "busy_entity", "rate_limited", "unavailable", "unauthorized", "not_found",
    "conflict",    "bad_request",  "forbidden",   "server_error", "bad_response",
    "task_failed", "unsupported",  "tls_failed",  "cancelled",    "precondition_failed"};
  return name_of(x, names);
}

std::string to_string(kube_errc x) {
  static constexpr std::array<std::string_view, 12> names{
    "not_found", "conflict",     "already_exists", "gone",         "invalid",     "unauthorized",
    "forbidden", "rate_limited", "unavailable",    "bad_response", "bad_request", "too_large_rv"};
  return name_of(x, names);
}

std::string to_string(lb_errc x) {
  static constexpr std::array<std::string_view, 6> names{"ip_exhausted",  "ip_unavailable",
                                                         "port_conflict", "invalid_service",
                                                         "not_leader",    "shutting_down"};
  return name_of(x, names);
}

bool is_retryable(const caf::error& err) {
  if (!err)
    return false;
  const auto cat = err.category();
  const auto code = err.code();
  if (cat == caf::atom("net"))
    return code != static_cast<uint8_t>(net_errc::cancelled)
           && code != static_cast<uint8_t>(net_errc::body_too_large);
  if (cat == caf::atom("vcd")) {
    switch (static_cast<vcd_errc>(code)) {
    case vcd_errc::busy_entity:
    case vcd_errc::rate_limited:
    case vcd_errc::unavailable:
    case vcd_errc::unauthorized:
    case vcd_errc::server_error:
      return true;
    default:
      return false;
    }
  }
  if (cat == caf::atom("kube")) {
    switch (static_cast<kube_errc>(code)) {
    case kube_errc::conflict:
    case kube_errc::rate_limited:
    case kube_errc::unavailable:
    case kube_errc::too_large_rv:
      return true;
    default:
      return false;
    }
  }
  // CAF's own request timeouts mean a peer did not answer in time.
  return err == caf::sec::request_timeout;
}

std::string error_detail(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

std::string code_name(const caf::error& err) {
  if (!err)
    return "ok";
  const auto cat = err.category();
  const auto code = err.code();
  std::string name;
  if (cat == caf::atom("config"))
    name = "config." + to_string(static_cast<config_errc>(code));
  else if (cat == caf::atom("net"))
    name = "net." + to_string(static_cast<net_errc>(code));
  else if (cat == caf::atom("vcd"))
    name = "vcd." + to_string(static_cast<vcd_errc>(code));
  else if (cat == caf::atom("kube"))
    name = "kube." + to_string(static_cast<kube_errc>(code));
  else if (cat == caf::atom("lb"))
    name = "lb." + to_string(static_cast<lb_errc>(code));
  else
    name = caf::to_string(caf::error{code, cat});
  return name;
}

std::string describe(const caf::error& err) {
  if (!err)
    return "ok";
  auto name = code_name(err);
  auto detail = error_detail(err);
  return detail.empty() ? name : name + ": " + detail;
}

} // namespace vcdlb
