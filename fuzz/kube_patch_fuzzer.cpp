// Fuzzes the PATCH engines of the Kubernetes API double (adapters/kube/sim/patch.hpp): RFC 7386
// merge patch, RFC 6902 JSON patch and strategic merge patch, on arbitrary documents. Errors must
// be 4xx api_errors; merge patch must be idempotent (RFC 7386 property).
// Input: target JSON '\0' patch JSON.
#include <cstddef>
#include <cstdint>
#include <optional>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "adapters/kube/sim/patch.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

std::optional<boost::json::value> parse(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec)
    return std::nullopt;
  return v;
}

template <class Result>
void check_error(const Result& r) {
  if (!r)
    FUZZ_CHECK(r.error().code >= 400 && r.error().code < 500);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcdlb::kube::sim;
  auto fields = vcdlb::fuzz::split_fields(vcdlb::fuzz::as_text(data, size), 2);
  auto target = parse(fields[0]);
  auto patch = parse(fields[1]);
  if (!target || !patch)
    return 0;

  auto once = merge_patch(*target, *patch);
  auto twice = merge_patch(once, *patch);
  FUZZ_CHECK(once == twice);

  auto jp = json_patch(*target, *patch);
  check_error(jp);

  auto smp = strategic_merge_patch(*target, *patch);
  check_error(smp);
  auto smp_plain = strategic_merge_patch(*target, *patch, {});
  check_error(smp_plain);
  return 0;
}
