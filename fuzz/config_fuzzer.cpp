// Fuzzes the configuration parser: any text must give a config or a list of problems, never a
// crash or an escaping yaml-cpp exception. An accepted config must pass validation on its own
// and be printable; rejected ones must say why.
#include <cstddef>
#include <cstdint>

#include "config/format.hpp"
#include "config/parse.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcdlb;
  config::parse_options options;
  options.env_cluster_id = "fuzz-cluster";
  auto result = config::parse_config(fuzz::as_text(data, size), options);
  if (result.ok()) {
    FUZZ_CHECK(config::validate(result.value()).empty());
    auto text = config::format_effective_config(result.value(), nullptr);
    FUZZ_CHECK(!text.empty());
  } else {
    FUZZ_CHECK(!result.problems().empty());
    auto text = config::format_problems(result.problems(), "fuzz.yaml");
    FUZZ_CHECK(!text.empty());
  }
  return 0;
}
