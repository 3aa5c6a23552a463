#pragma once

/// @file config/problem.hpp
/// @brief One thing wrong with a configuration, and `checked<T>`: a value or all its problems.
///
/// Configuration code reports every problem it finds instead of stopping at the first, so a
/// user fixes a file in one round. Callers that want a single error value use
/// `checked<T>::error()` or `to_error()`. Plain value types; no I/O.

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "caf/error.hpp"
#include "caf/expected.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::config {

/// A problem found in the configuration file, a secret file or a file the configuration names.
struct problem {
  config_errc code = config_errc::invalid_value;
  std::string key; ///< dotted key path, e.g. "loadbalancer.oneArm.startIP"; "" for the whole file
  int line = 0;    ///< 1-based; 0 when there is no position (e.g. a value from the environment)
  int column = 0;  ///< 1-based; 0 when there is no position
  std::string message; ///< what is wrong, never containing a secret value
  std::string file;    ///< set when the problem is in another file than the configuration file

  friend bool operator==(const problem&, const problem&) = default;
};

/// "FILE:LINE:COL: key: message" (position and key left out when unknown). `config_file` is
/// used unless the problem names its own file.
[[nodiscard]] std::string format_problem(const problem& p, std::string_view config_file);

/// One error for callers that want a single value: the first problem's code, and every problem
/// ("key (line L, column C): message", separated by "; ") as detail. An empty list gives no error.
[[nodiscard]] caf::error to_error(const std::vector<problem>& problems);

/// Either a `T` or a non-empty list of problems.
template <class T>
class checked {
public:
  checked(T value) : state_(std::move(value)) {} // NOLINT: implicit by design, like expected

  /// Precondition: `problems` is not empty.
  checked(std::vector<problem> problems) : state_(std::move(problems)) {} // NOLINT

  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  /// Precondition: ok().
  [[nodiscard]] T& value() & { return std::get<0>(state_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(state_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// Empty when ok().
  [[nodiscard]] const std::vector<problem>& problems() const noexcept {
    static const std::vector<problem> none;
    return ok() ? none : std::get<1>(state_);
  }

  /// The problems as one `caf::error` (see `to_error`); no error when ok().
  [[nodiscard]] caf::error error() const { return to_error(problems()); }

  /// The value, or the problems as one error.
  [[nodiscard]] caf::expected<T> to_expected() && {
    if (ok())
      return std::get<0>(std::move(state_));
    return to_error(std::get<1>(state_));
  }

private:
  std::variant<T, std::vector<problem>> state_;
};

} // namespace vcdlb::config
