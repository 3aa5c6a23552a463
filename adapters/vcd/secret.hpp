#pragma once

/// @file adapters/vcd/secret.hpp
/// @brief A string that does not print: passwords and tokens.

#include <ostream>
#include <string>
#include <utility>

namespace vcdlb::vcd {

/// Holds a credential. It has no `to_string`, streams as "<redacted>" and is never logged;
/// `reveal()` is the one explicit way to read it (to put it on the wire).
class secret {
public:
  secret() = default;
  explicit secret(std::string value) : value_(std::move(value)) {
    // Nothing else: the value is only kept.
  }

  [[nodiscard]] const std::string& reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }

  friend std::ostream& operator<<(std::ostream& os, const secret&) { return os << "<redacted>"; }
  friend bool operator==(const secret&, const secret&) = default;

private:
  std::string value_;
};

} // namespace vcdlb::vcd
