// Fuzzes the labelSelector and fieldSelector parsers of the Kubernetes API double
// (adapters/kube/sim/selectors.hpp): bad syntax is a 400, accepted selectors can be evaluated, and
// an equality selector built from a label set matches that set.
// Input: selector text '\0' label key '\0' label value.
#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/json/object.hpp>

#include "adapters/kube/sim/selectors.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcdlb::kube::sim;
  auto fields = vcdlb::fuzz::split_fields(vcdlb::fuzz::as_text(data, size), 3);
  const std::string key{fields[1]};
  const std::string value{fields[2]};

  boost::json::object labels{{"app", "web"}, {"tier", "front"}};
  labels[key] = value;
  boost::json::object object{
    {"metadata", {{"name", value}, {"namespace", "default"}, {"labels", labels}}},
    {"spec", {{"nodeName", key}}}};

  auto label = parse_label_selector(fields[0]);
  if (label) {
    (void)label->matches(&labels);
    (void)label->matches(nullptr);
  } else {
    FUZZ_CHECK(label.error().code == 400);
  }

  const std::string extra[] = {"spec.nodeName"};
  auto field = parse_field_selector(fields[0], extra);
  if (field)
    (void)field->matches(object);
  else
    FUZZ_CHECK(field.error().code == 400);

  // `key=value`, when read as that one requirement, selects an object carrying that label.
  auto eq = parse_label_selector(key + "=" + value);
  if (eq && eq->requirements.size() == 1 && eq->requirements[0].key == key
      && eq->requirements[0].values == std::vector<std::string>{value}) {
    FUZZ_CHECK(eq->matches(&labels));
    FUZZ_CHECK(!eq->matches(nullptr) || value.empty());
  }
  auto by_name = parse_field_selector("metadata.name=" + value, extra);
  if (by_name && by_name->requirements.size() == 1 && by_name->requirements[0].value == value)
    FUZZ_CHECK(by_name->matches(object));
  return 0;
}
