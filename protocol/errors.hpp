#pragma once

/// @file protocol/errors.hpp
/// @brief The error vocabulary shared by every module: one CAF error category per domain.
///
/// Errors are values (`caf::error`, `caf::expected<T>`). A CAF 0.17 error is
/// `{uint8_t code, atom category, message context}`; the context carries a human-readable
/// detail string made with `caf::make_error(code, "detail")`. Callers branch on the code
/// (and on `is_retryable`), never on the text.

#include <cstdint>
#include <string>

#include "caf/atom.hpp"
#include "caf/error.hpp"
#include "caf/make_message.hpp"

namespace vcdlb {

/// Configuration and credential problems. Terminal: fixing them needs a human.
enum class config_errc : uint8_t {
  invalid_yaml = 1, ///< the file is not YAML, or not a mapping at the top
  unknown_key,      ///< a key the schema does not know
  missing_key,      ///< a required key is absent or empty
  wrong_type,       ///< a value of the wrong YAML type
  invalid_value,    ///< a value of the right type that breaks a rule
  unreadable_file,  ///< a file (config, secret, CA) cannot be read
};

/// Transport-level failures below HTTP: the request may or may not have reached the server.
enum class net_errc : uint8_t {
  resolve_failed = 1,
  connect_failed,
  tls_failed,        ///< handshake or certificate verification failed
  timeout,           ///< connect, request or read timed out
  connection_closed, ///< closed or reset before a full response
  protocol_error,    ///< malformed HTTP
  body_too_large,
  cancelled,
};

/// Failures reported by (or about) VMware Cloud Director.
enum class vcd_errc : uint8_t {
  busy_entity = 1, ///< 400 BUSY_ENTITY: the edge gateway is locked by another task; retryable
  rate_limited,    ///< 429; retryable after Retry-After
  unavailable,     ///< 502/503/504 or connection failure; retryable
  unauthorized,    ///< 401: token missing or expired; re-login then retry
  not_found,       ///< 404, or 403 for an unknown URN
  conflict,        ///< a name or version conflict (e.g. stale NAT rule version)
  bad_request,     ///< 400 other than BUSY_ENTITY: our request was rejected; terminal
  forbidden,       ///< 403 that is a real permission problem
  server_error,    ///< 500 and other 5xx not covered above
  bad_response,    ///< the response could not be decoded
  task_failed,     ///< the async task ended in error or aborted
  unsupported,     ///< the server's API version lacks a needed feature
  tls_failed,      ///< TLS handshake or certificate verification with VCD failed; terminal
  cancelled,       ///< the request was cancelled (client shutdown)
  /// 412: a conditional write (If-Match ETag) lost to another writer; re-read and retry
  precondition_failed,
};

/// Failures reported by (or about) the Kubernetes API server.
enum class kube_errc : uint8_t {
  not_found = 1,
  conflict, ///< 409: optimistic concurrency failure; re-read and retry
  already_exists,
  gone,         ///< 410: resourceVersion too old; relist
  invalid,      ///< 422
  unauthorized, ///< 401
  forbidden,    ///< 403
  rate_limited, ///< 429
  unavailable,  ///< 5xx or connection failure
  bad_response, ///< the response could not be decoded
  bad_request,  ///< 400: our request was malformed; terminal
  too_large_rv, ///< 504 ResourceVersionTooLarge: relist from the most recent state
};

/// Load-balancer engine decisions.
enum class lb_errc : uint8_t {
  ip_exhausted = 1, ///< no free external or internal IP left
  ip_unavailable,   ///< a requested IP is outside the ranges or taken by someone else
  port_conflict,    ///< the (ip, protocol, port) is claimed by another Service
  invalid_service,  ///< the Service spec cannot be served (bad ports, bad annotations)
  not_leader,       ///< mutations are refused while this replica is not the leader
  shutting_down,
  /// ip_pool (internal to ip_pool_actor): the external IP must first be allocated from an IP
  /// Space (the error's context says which, if a specific one).
  ip_needs_allocation,
};

} // namespace vcdlb

CAF_ERROR_CODE_ENUM(vcdlb::config_errc, "config")
CAF_ERROR_CODE_ENUM(vcdlb::net_errc, "net")
CAF_ERROR_CODE_ENUM(vcdlb::vcd_errc, "vcd")
CAF_ERROR_CODE_ENUM(vcdlb::kube_errc, "kube")
CAF_ERROR_CODE_ENUM(vcdlb::lb_errc, "lb")

namespace vcdlb {

std::string to_string(config_errc x);
std::string to_string(net_errc x);
std::string to_string(vcd_errc x);
std::string to_string(kube_errc x);
std::string to_string(lb_errc x);

/// True when `err` carries exactly this code of this category (the context is ignored); false
/// for no error (CAF 0.17's `category()` must not be called on an empty error).
template <class Enum>
[[nodiscard]] bool has_code(const caf::error& err, Enum code) {
  return static_cast<bool>(err) && err.category() == caf::detail::error_factory<Enum>::category
         && err.code() == static_cast<uint8_t>(code);
}

/// True for errors that a later retry of the same request may clear.
[[nodiscard]] bool is_retryable(const caf::error& err);

/// The detail string stored in an error's context, or "" when there is none.
[[nodiscard]] std::string error_detail(const caf::error& err);

/// "vcd.busy_entity" -- the category and code alone (metric labels); "ok" for no error.
[[nodiscard]] std::string code_name(const caf::error& err);

/// "vcd.busy_entity: <detail>" -- for logs and Events, no CAF actor system needed.
[[nodiscard]] std::string describe(const caf::error& err);

} // namespace vcdlb
