#pragma once
/// @file fuzz/fuzz_support.hpp
/// @brief Helpers shared by the fuzz targets: a property check that survives NDEBUG and a way to
/// cut one fuzz input into several fields. Header-only, no state, thread-safe.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

/// Aborts (a crash libFuzzer records, a failure the replay test reports) when a property of the
/// code under test does not hold. Unlike assert() it stays active in RelWithDebInfo builds.
#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);             \
      std::abort();                                                                                \
    }                                                                                              \
  } while (false)

namespace vcdlb::fuzz {

/// The input as text.
inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Splits `text` at every '\0' byte into at least `min_parts` fields (missing ones are empty), so
/// one input can carry several arguments while staying readable in the corpus.
inline std::vector<std::string_view> split_fields(std::string_view text, size_t min_parts) {
  std::vector<std::string_view> out;
  while (true) {
    auto pos = text.find('\0');
    out.push_back(text.substr(0, pos));
    if (pos == std::string_view::npos)
      break;
    text.remove_prefix(pos + 1);
  }
  while (out.size() < min_parts)
    out.emplace_back();
  return out;
}

} // namespace vcdlb::fuzz
