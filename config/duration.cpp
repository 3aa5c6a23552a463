#include "config/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>

namespace vcdlb::config {

namespace {

struct unit {
  std::string_view name;
  int64_t nanos;
};

// Longer names first so "ms" is not read as "m" followed by garbage.
constexpr std::array<unit, 7> units{{
  {"ns", 1},
  {"us", 1'000},
  {"\xC2\xB5s", 1'000}, // µs (micro sign)
  {"ms", 1'000'000},
  {"s", 1'000'000'000},
  {"m", 60'000'000'000},
  {"h", 3'600'000'000'000},
}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

} // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0")
    return std::chrono::nanoseconds{0};
  if (text.empty())
    return std::nullopt;
  // Accumulate in long double nanoseconds: exact for every value that fits in int64 ranges we
  // accept for configuration (well below 2^63 ns ~ 292 years) to far better than 1 ns.
  long double total = 0;
  while (!text.empty()) {
    size_t i = 0;
    long double number = 0;
    bool digits = false;
    while (i < text.size() && is_digit(text[i])) {
      number = number * 10 + (text[i] - '0');
      ++i;
      digits = true;
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < text.size() && is_digit(text[i])) {
        number += scale * (text[i] - '0');
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits)
      return std::nullopt;
    text.remove_prefix(i);
    const unit* found = nullptr;
    for (const auto& u : units) {
      if (text.starts_with(u.name) && (found == nullptr || u.name.size() > found->name.size()))
        found = &u;
    }
    if (found == nullptr)
      return std::nullopt;
    text.remove_prefix(found->name.size());
    total += number * static_cast<long double>(found->nanos);
    if (total >= static_cast<long double>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
  }
  auto nanos = static_cast<int64_t>(total + 0.5L);
  return std::chrono::nanoseconds{negative ? -nanos : nanos};
}

std::string format_duration_ms(std::chrono::milliseconds d) {
  // Beyond +-292 years the value does not fit in nanoseconds; say it in milliseconds.
  constexpr int64_t limit = std::numeric_limits<int64_t>::max() / 1'000'000;
  if (d.count() > limit || d.count() < -limit)
    return std::to_string(d.count()) + "ms";
  return format_duration(std::chrono::nanoseconds{d});
}

std::string format_duration(std::chrono::nanoseconds d) {
  if (d == std::chrono::nanoseconds::min())
    return std::to_string(d.count()) + "ns";
  int64_t n = d.count();
  if (n == 0)
    return "0s";
  std::string out;
  if (n < 0) {
    out = "-";
    n = -n;
  }
  auto with_fraction = [](int64_t value, int64_t per_unit, std::string_view name) {
    std::string s = std::to_string(value / per_unit);
    if (auto rest = value % per_unit; rest != 0) {
      std::string frac = std::to_string(rest);
      frac.insert(0, std::to_string(per_unit).size() - 1 - frac.size(), '0');
      while (frac.back() == '0')
        frac.pop_back();
      s += "." + frac;
    }
    return s + std::string{name};
  };
  if (n < 1'000)
    return out + std::to_string(n) + "ns";
  if (n < 1'000'000)
    return out + with_fraction(n, 1'000, "us");
  if (n < 1'000'000'000)
    return out + with_fraction(n, 1'000'000, "ms");
  const int64_t hours = n / 3'600'000'000'000;
  const int64_t minutes = (n / 60'000'000'000) % 60;
  const int64_t rest = n % 60'000'000'000;
  if (hours > 0)
    out += std::to_string(hours) + "h";
  if (minutes > 0)
    out += std::to_string(minutes) + "m";
  if (rest > 0)
    out += with_fraction(rest, 1'000'000'000, "s");
  return out;
}

} // namespace vcdlb::config
