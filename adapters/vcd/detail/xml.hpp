#pragma once

/// @file adapters/vcd/detail/xml.hpp
/// @brief The two legacy XML documents the client reads: `/api/versions` and `/api/task/{id}`.
/// A tolerant scanner, not a general XML parser: it finds elements by local name (namespace
/// prefixes ignored), reads their attributes and decodes the predefined and numeric entities.
/// Malformed input gives vcd_errc::bad_response, never a crash. Thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "adapters/vcd/types.hpp"
#include "caf/expected.hpp"

namespace vcdlb::vcd::detail {

/// The `<Version>` values of a `SupportedVersions` document, in document order. Fails when
/// there is none.
[[nodiscard]] caf::expected<std::vector<std::string>> decode_versions(std::string_view xml);

/// A `Task` document: attributes href, id, status, operation; `Owner`, `Error`, `Progress`
/// and `Result/ResultContent` children.
[[nodiscard]] caf::expected<task> decode_task(std::string_view xml);

/// Maps the wire status ("preRunning", ...) to task_status; false for an unknown one.
[[nodiscard]] bool parse_task_status(std::string_view text, task_status& out);

} // namespace vcdlb::vcd::detail
