#pragma once

/// @file adapters/vcd/errors.hpp
/// @brief How VCD failures become `vcd_errc` errors, and how callers read them back.
///
/// Every error the VCD client reports is a `caf::error` in the `vcd_errc` category whose detail
/// string has one stable, parseable shape:
///
///     HTTP <status> <minorErrorCode|->[ retry-after=<seconds>]: <message>
///     task <majorErrorCode> <minorErrorCode|->: <message>          (failed tasks)
///     <free text>                                                    (transport, decoding)
///
/// `parse_error_info` recovers the parts (status, minor code, message, Retry-After) so the
/// gateway actor can schedule retries without parsing text itself.

#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/vcd/types.hpp"
#include "caf/error.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::vcd {

/// The parts of a VCD error, as far as they are known.
struct error_info {
  unsigned http_status = 0;         ///< HTTP status, or the task's majorErrorCode; 0 if none
  std::string minor_error_code;     ///< e.g. "BUSY_ENTITY"; "" if none
  std::string message;              ///< VCD's message (or the whole detail for other errors)
  int32_t retry_after_seconds = -1; ///< from a 429/503 Retry-After; -1 if absent
  bool from_task = false;           ///< reported by a failed task rather than an HTTP status
};

/// The class of a VCD HTTP error response.
/// - 400 BUSY_ENTITY (or the "is busy completing an operation" message) -> busy_entity
/// - 400 CONFLICT / DUPLICATE_NAME, 409 -> conflict; other 400 and 4xx -> bad_request
/// - 412 (a stale If-Match ETag) -> precondition_failed
/// - 401 -> unauthorized; 404 -> not_found; 429 -> rate_limited
/// - 403 -> not_found when the request addressed one entity by id (VCD answers
///   ACCESS_TO_RESOURCE_IS_FORBIDDEN for unknown URNs), else forbidden
/// - 502, 503, 504 -> unavailable; other 5xx -> server_error
[[nodiscard]] vcd_errc classify_status(unsigned status, std::string_view minor_error_code,
                                       std::string_view message, bool addressed_by_id);

/// Builds the error for an HTTP error response (see the detail format above).
[[nodiscard]] caf::error make_http_error(unsigned status, std::string_view minor_error_code,
                                         std::string_view message, int32_t retry_after_seconds,
                                         bool addressed_by_id);

/// The error for a task that ended in `error` or `aborted`: busy_entity when its minor code is
/// BUSY_ENTITY, task_failed otherwise.
[[nodiscard]] caf::error make_task_error(const task& t);

/// Recovers the parts of an error made by this adapter. For other errors only `message` is
/// set (to the detail string).
[[nodiscard]] error_info parse_error_info(const caf::error& err);

} // namespace vcdlb::vcd
