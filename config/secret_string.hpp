#pragma once

/// @file config/secret_string.hpp
/// @brief A string holding a secret (password, token) that refuses to be printed.
///
/// Every way of turning a `secret_string` into text -- `to_string`, `operator<<`, fmt/spdlog --
/// yields "<redacted>" (or "<unset>" when it is empty). The real value is only reachable through
/// `reveal()`, so a secret ends up in a log line or an error message only when someone writes
/// `reveal()` on purpose. The destructor overwrites the characters before releasing them.
/// A plain value type: not thread-safe for concurrent mutation, safe to copy and share read-only.

#include <iosfwd>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace vcdlb::config {

class secret_string {
public:
  secret_string() = default;
  explicit secret_string(std::string value) : value_(std::move(value)) {}
  secret_string(const secret_string&) = default;
  secret_string(secret_string&&) noexcept = default;
  secret_string& operator=(const secret_string& other);
  secret_string& operator=(secret_string&& other) noexcept;
  ~secret_string();

  /// The secret itself. Call it only where the value is handed to its consumer (the login
  /// request); never to build a message.
  [[nodiscard]] const std::string& reveal() const noexcept { return value_; }

  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }

  /// Compares the secrets without exposing them.
  friend bool operator==(const secret_string& a, const secret_string& b) noexcept {
    return a.value_ == b.value_;
  }

private:
  void wipe() noexcept;

  std::string value_;
};

/// "<redacted>" for a non-empty secret, "<unset>" for an empty one.
[[nodiscard]] std::string_view redacted(const secret_string& s) noexcept;

/// Same as `redacted`, so generic code (CAF's `deep_to_string`, string concatenation helpers)
/// never sees the value.
[[nodiscard]] std::string to_string(const secret_string& s);

std::ostream& operator<<(std::ostream& out, const secret_string& s);

} // namespace vcdlb::config

/// fmt and spdlog print "<redacted>" / "<unset>" too.
template <>
struct fmt::formatter<vcdlb::config::secret_string> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const vcdlb::config::secret_string& s, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(vcdlb::config::redacted(s), ctx);
  }
};
