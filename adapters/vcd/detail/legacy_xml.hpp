#pragma once

/// @file adapters/vcd/detail/legacy_xml.hpp
/// @brief Decoding of the legacy XML API documents the node duties read (nodes-and-legacy-api.md
/// §3.4–3.7): `QueryResultRecords` pages, `VApp` with its `Vm` children, and `<Error>` bodies.
/// Elements and attributes are matched by local name (namespace prefixes ignored), as VCD's own
/// clients do. Malformed input is vcd_errc::bad_response, never a crash. Thread-safe.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/vcd/vm_client.hpp"
#include "caf/expected.hpp"

namespace vcdlb::vcd::detail {

/// One page of a `QueryResultRecords` document: its paging attributes and the attributes of
/// each record element (any element whose local name ends in "Record").
struct query_records_page {
  int64_t page = 0;      ///< `page`; 0 when absent
  int64_t page_size = 0; ///< `pageSize`; 0 when absent
  int64_t total = -1;    ///< `total` (VCD writes it as a number, sometimes "3.0"); -1 when absent
  std::vector<std::map<std::string, std::string, std::less<>>> records;
};
[[nodiscard]] caf::expected<query_records_page> decode_query_records(std::string_view xml);

/// The `VAppRecord`s of a page (records of other types fail: the server answered another
/// query than the one asked).
[[nodiscard]] caf::expected<std::vector<vapp_record>> vapp_records(const query_records_page& page);

/// A `VApp` entity with its `Children/Vm` elements.
[[nodiscard]] caf::expected<vapp> decode_vapp(std::string_view xml);

/// The attributes of an `<Error>` body; `ok` false when the body is not one.
struct xml_error_body {
  bool ok = false;
  int32_t major_error_code = 0;
  std::string minor_error_code;
  std::string message;
};
[[nodiscard]] xml_error_body decode_xml_error(std::string_view body);

} // namespace vcdlb::vcd::detail
