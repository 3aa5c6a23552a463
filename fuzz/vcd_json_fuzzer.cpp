// Fuzzes the CloudAPI JSON decoders (simdjson on-demand): every body decodes to a value or to
// vcd_errc::bad_response, without throwing, crashing or reading out of bounds. The first byte
// picks the decoder; the rest is the body. Accepted entities must also re-encode.
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/vcd/detail/json.hpp"
#include "fuzz/fuzz_support.hpp"
#include "protocol/errors.hpp"

namespace {

template <class T>
void check(const caf::expected<T>& result) {
  if (!result)
    FUZZ_CHECK(vcdlb::has_code(result.error(), vcdlb::vcd_errc::bad_response));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcdlb::vcd;
  using namespace vcdlb::vcd::detail;
  if (size == 0)
    return 0;
  // simdjson wants padding after the document; the decoders must add it themselves, so the body
  // is handed over as it is.
  auto body = vcdlb::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 20) {
  case 0:
    check(decode_org_vdc_network_page(body));
    break;
  case 1:
    check(decode_org_vdc_network(body));
    break;
  case 2:
    check(decode_edge_gateway(body));
    break;
  case 3:
    check(decode_used_ip_page(body));
    break;
  case 4:
    check(decode_seg_assignment_page(body));
    break;
  case 5:
    check(decode_pool_summary_page(body));
    break;
  case 6: {
    auto p = decode_pool(body);
    check(p);
    if (p)
      FUZZ_CHECK(!encode_pool(*p).empty());
    break;
  }
  case 7:
    check(decode_virtual_service_summary_page(body));
    break;
  case 8: {
    auto vs = decode_virtual_service(body);
    check(vs);
    if (vs)
      FUZZ_CHECK(!encode_virtual_service(*vs, true).empty());
    break;
  }
  case 9:
    check(decode_nat_rule_page(body));
    break;
  case 10: {
    auto r = decode_nat_rule(body);
    check(r);
    if (r)
      FUZZ_CHECK(!encode_nat_rule(*r).empty());
    break;
  }
  case 11:
    check(decode_app_port_profile_page(body));
    break;
  case 12: {
    auto p = decode_app_port_profile(body);
    check(p);
    if (p)
      FUZZ_CHECK(!encode_app_port_profile(*p).empty());
    break;
  }
  case 13:
    check(decode_certificate_page(body));
    break;
  case 14:
    check(decode_entity_ref_page(body));
    break;
  case 15:
    check(decode_session(body));
    break;
  case 17: {
    auto r = decode_firewall_rules(body);
    check(r);
    if (r)
      FUZZ_CHECK(!encode_firewall_rules(r->user_defined_rules).empty());
    break;
  }
  case 18:
    check(decode_ip_set_page(body));
    break;
  case 19: {
    auto r = decode_ip_set(body);
    check(r);
    if (r)
      FUZZ_CHECK(!encode_ip_set(*r).empty());
    break;
  }
  default: { // 16 (the small bodies: token, load-balancer settings, error)
    check(decode_oauth_token(body));
    check(decode_alb_settings(body));
    auto e = decode_error_body(body);
    (void)e;
    break;
  }
  }
  return 0;
}
