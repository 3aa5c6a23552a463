#include "adapters/vcd/types.hpp"

#include <array>
#include <string_view>

namespace vcdlb::vcd {

std::string to_string(task_status x) {
  static constexpr std::array<std::string_view, 7> names{
    "queued", "preRunning", "running", "postRunning", "success", "error", "aborted"};
  auto i = static_cast<size_t>(x);
  return i < names.size() ? std::string{names[i]} : "unknown";
}

int compare_api_versions(const std::string& a, const std::string& b) {
  // Compares component by component; a missing component counts as 0 ("37" == "37.0").
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() || j < b.size()) {
    auto next = [](const std::string& s, size_t& pos) {
      long value = 0;
      bool numeric = true;
      while (pos < s.size() && s[pos] != '.') {
        if (s[pos] >= '0' && s[pos] <= '9' && value < 1'000'000)
          value = value * 10 + (s[pos] - '0');
        else if (s[pos] < '0' || s[pos] > '9')
          numeric = false;
        ++pos;
      }
      if (pos < s.size())
        ++pos; // skip '.'
      return numeric ? value : 0;
    };
    auto x = next(a, i);
    auto y = next(b, j);
    if (x != y)
      return x < y ? -1 : 1;
  }
  return 0;
}

} // namespace vcdlb::vcd
