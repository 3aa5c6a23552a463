#pragma once

/// @file adapters/kube/sim/status.hpp
/// @brief API errors of the Kubernetes API server double and their `Status` bodies.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

namespace vcdlb::kube::sim {

/// One failed API call, exactly what the real apiserver puts in a `Status` body
/// (reference/kubernetes-api.md 2.7): HTTP code, reason, message and details.
struct api_error {
  api_error() = default;
  api_error(unsigned c, std::string r, std::string m, boost::json::object d = {},
            unsigned retry = 0)
    : code(c), reason(std::move(r)), message(std::move(m)), details(std::move(d)),
      retry_after_s(retry) {}

  unsigned code = 500;
  std::string reason;
  std::string message;
  boost::json::object details; ///< e.g. {"name":"web","kind":"services"}; may be empty
  unsigned retry_after_s = 0;  ///< > 0: sets details.retryAfterSeconds and Retry-After
};

/// Either a value or the API error that prevented it. Plain value type.
template <class T>
using result = boost::system::result<T, api_error>;

/// The `Status` JSON for `err` (`kind: Status`, `status: Failure`).
[[nodiscard]] boost::json::object status_body(const api_error& err);

/// A `Status` with `status: Success` (DELETE without finalizers answers one).
[[nodiscard]] boost::json::object success_status(boost::json::object details);

// -- constructors for the errors the server produces (messages as the real apiserver's) ---

/// `<resource> "<name>" not found`; `group` is "" for the core group.
[[nodiscard]] api_error not_found(std::string_view group, std::string_view resource,
                                  std::string_view name);
/// 404 for an unknown path: `the server could not find the requested resource`.
[[nodiscard]] api_error unknown_path();
[[nodiscard]] api_error already_exists(std::string_view group, std::string_view resource,
                                       std::string_view name);
/// 409 Conflict with the optimistic-lock message.
[[nodiscard]] api_error conflict(std::string_view group, std::string_view resource,
                                 std::string_view name);
/// 409 Conflict with a free-form message (e.g. a failed DELETE precondition).
[[nodiscard]] api_error conflict_message(std::string_view group, std::string_view resource,
                                         std::string_view name, std::string message);
[[nodiscard]] api_error bad_request(std::string message);
/// 422 Invalid with one cause `{reason, message, field}`.
[[nodiscard]] api_error invalid(std::string_view group, std::string_view kind,
                                std::string_view name, std::string_view field,
                                std::string_view cause_reason, std::string detail);
/// 410 Expired.
[[nodiscard]] api_error expired(std::string message);
[[nodiscard]] api_error unauthorized();
[[nodiscard]] api_error method_not_allowed();
[[nodiscard]] api_error unsupported_media_type(std::string_view content_type);
/// 415 for a POST/PUT body in a format the double does not decode (protobuf, YAML, CBOR):
/// the apiserver's message, listing what this server accepts.
[[nodiscard]] api_error unsupported_body_media_type(std::string_view content_type);
/// 406 NotAcceptable: none of the Accept types is served (e.g. protobuf OpenAPI v2).
[[nodiscard]] api_error not_acceptable(std::string_view accepted);
[[nodiscard]] api_error too_many_requests(unsigned retry_after_s);
[[nodiscard]] api_error internal_error(std::string message);
/// 503 ServiceUnavailable with Retry-After.
[[nodiscard]] api_error service_unavailable(unsigned retry_after_s);
/// 504 Timeout for a resourceVersion newer than the store.
[[nodiscard]] api_error too_large_resource_version(uint64_t requested, uint64_t current);

} // namespace vcdlb::kube::sim
