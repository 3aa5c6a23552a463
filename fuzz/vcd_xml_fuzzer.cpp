// Fuzzes the two legacy XML decoders (`/api/versions`, `/api/task/{id}`): any body gives a value
// or vcd_errc::bad_response. Even first byte: versions; odd: task.
#include <cstddef>
#include <cstdint>

#include "adapters/vcd/detail/xml.hpp"
#include "fuzz/fuzz_support.hpp"
#include "protocol/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcdlb;
  if (size == 0)
    return 0;
  auto body = fuzz::as_text(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto versions = vcd::detail::decode_versions(body);
    if (!versions)
      FUZZ_CHECK(has_code(versions.error(), vcd_errc::bad_response));
  } else {
    auto t = vcd::detail::decode_task(body);
    if (!t)
      FUZZ_CHECK(has_code(t.error(), vcd_errc::bad_response));
    else
      FUZZ_CHECK(!to_string(t->status).empty());
  }
  return 0;
}
