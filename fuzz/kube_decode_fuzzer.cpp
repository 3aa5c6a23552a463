// Fuzzes the Kubernetes JSON decoders (adapters/kube/detail/decode.hpp): objects, lists, single
// watch lines and Status bodies. Malformed input must give kube_errc::bad_response, never a crash,
// an exception or an out-of-bounds read. The first byte picks the decoder.
#include <cstddef>
#include <cstdint>

#include "adapters/kube/detail/decode.hpp"
#include "fuzz/fuzz_support.hpp"
#include "protocol/errors.hpp"

namespace {

template <class T>
void check(const caf::expected<T>& result) {
  if (!result)
    FUZZ_CHECK(vcdlb::has_code(result.error(), vcdlb::kube_errc::bad_response));
}

template <class T>
void check_watch_line(std::string_view line) {
  using vcdlb::kube::watch_event_type;
  auto ev = vcdlb::kube::detail::decode_watch_line<T>(line);
  check(ev);
  if (!ev)
    return;
  if (ev->type == watch_event_type::error)
    FUZZ_CHECK(static_cast<bool>(ev->error));
  else if (ev->type != watch_event_type::bookmark)
    FUZZ_CHECK(!ev->resource_version.empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcdlb::kube;
  using namespace vcdlb::kube::detail;
  if (size == 0)
    return 0;
  auto body = vcdlb::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 12) {
  case 0:
    check(decode_service(body));
    break;
  case 1:
    check(decode_node(body));
    break;
  case 2:
    check(decode_endpoint_slice(body));
    break;
  case 3:
    check(decode_lease(body));
    break;
  case 4:
    check(decode_event(body));
    break;
  case 5:
    check(decode_list<service_snapshot>(body));
    break;
  case 6:
    check(decode_list<node_snapshot>(body));
    break;
  case 7:
    check(decode_list<endpoint_slice_snapshot>(body));
    break;
  case 8:
    check_watch_line<service_snapshot>(body);
    break;
  case 9:
    check_watch_line<node_snapshot>(body);
    break;
  case 10:
    check_watch_line<endpoint_slice_snapshot>(body);
    break;
  default: {
    // Status bodies: any answer is classified into some kube_errc.
    unsigned status = 400 + data[0] % 200;
    auto err = error_from_response(status, body);
    FUZZ_CHECK(static_cast<bool>(err));
    FUZZ_CHECK(retry_after_from_status(body).count() >= 0);
    break;
  }
  }
  return 0;
}
