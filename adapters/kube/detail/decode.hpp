#pragma once

/// @file adapters/kube/detail/decode.hpp
/// @brief JSON -> snapshot decoders (simdjson on-demand) and Status -> error classification.
///
/// Pure functions, no I/O, thread-safe (each call uses its own parser). Malformed or truncated
/// input is an error value (`kube_errc::bad_response`), never an exception or a crash; unknown
/// fields are ignored, `null` counts as absent.

#include <chrono>
#include <string_view>

#include "adapters/kube/client.hpp"
#include "adapters/kube/types.hpp"
#include "caf/error.hpp"
#include "caf/expected.hpp"

namespace vcdlb::kube::detail {

[[nodiscard]] caf::expected<service_snapshot> decode_service(std::string_view json);
[[nodiscard]] caf::expected<node_snapshot> decode_node(std::string_view json);
[[nodiscard]] caf::expected<endpoint_slice_snapshot> decode_endpoint_slice(std::string_view json);
[[nodiscard]] caf::expected<lease> decode_lease(std::string_view json);
[[nodiscard]] caf::expected<event> decode_event(std::string_view json);

/// Decodes one object of kind `T` (service_snapshot, node_snapshot, endpoint_slice_snapshot,
/// lease or event).
template <class T>
[[nodiscard]] caf::expected<T> decode_object(std::string_view json);

/// Decodes a `<Kind>List` (items, metadata.resourceVersion, metadata.continue). `T` is
/// service_snapshot, node_snapshot or endpoint_slice_snapshot.
template <class T>
[[nodiscard]] caf::expected<list_result<T>> decode_list(std::string_view json);

/// Decodes one watch line `{"type":...,"object":{...}}` (fields in any order). An ERROR event
/// carries its Status as `watch_event::error`; a BOOKMARK only its resourceVersion. ADDED,
/// MODIFIED and DELETED objects must have a name and a resourceVersion.
template <class T>
[[nodiscard]] caf::expected<watch_event<T>> decode_watch_line(std::string_view line);

/// Maps an API failure to a `kube_errc` error: the Status body when there is one (its
/// `reason` refines the code: 409 AlreadyExists vs Conflict, 410/Expired/Gone, 504
/// ResourceVersionTooLarge), else the HTTP status alone. The detail is the Status message
/// (server text, which never holds our credentials) or "HTTP <status>".
[[nodiscard]] caf::error error_from_response(unsigned http_status, std::string_view body);

/// The error for a decoded Status object (also used for watch ERROR events).
[[nodiscard]] caf::error error_from_status(int code, std::string_view reason,
                                           std::string_view message, bool too_large_rv = false);

/// `details.retryAfterSeconds` of a Status body, 0 when absent or unparsable.
[[nodiscard]] std::chrono::seconds retry_after_from_status(std::string_view body);

} // namespace vcdlb::kube::detail
