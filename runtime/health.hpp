#pragma once

/// @file runtime/health.hpp
/// @brief Named liveness and readiness checks, as served on `/healthz` and `/readyz`.
///
/// A check is a function that answers "ok" (`std::nullopt`) or a reason why not. Checks run on
/// the thread that asks (the ops server's I/O thread), so they must be quick and must not
/// block: read an atomic or a `status_check`, never do I/O. Reasons are shown to anyone who
/// can reach the endpoint, so they never contain secrets.
///
/// Thread-safety: every member function may be called from any thread at any time; checks
/// are called outside the registry's lock, so a check may itself use the registry.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vcdlb::runtime {

/// A check that reports a stored state: components set it as things happen (e.g. "informers
/// synced", "leader election running"). Thread-safe.
class status_check {
public:
  /// Starts failing with `initial_reason`, or ok when it is empty.
  explicit status_check(std::string initial_reason = {});

  void set_ok();
  void set_failing(std::string reason);
  /// nullopt when ok, else the reason.
  [[nodiscard]] std::optional<std::string> operator()() const;

private:
  mutable std::mutex mutex_;
  std::optional<std::string> reason_;
};

class health {
public:
  using check = std::function<std::optional<std::string>()>;

  enum class kind { liveness, readiness };

  struct result {
    std::string name;
    std::optional<std::string> failure; ///< nullopt: passed
  };

  struct report {
    bool ok = true;              ///< every check passed (true when there are none)
    std::vector<result> results; ///< in registration order
  };

  /// Adds (or replaces, by name) a check. Names are short identifiers like "informer-sync".
  void add(kind k, std::string name, check c);
  void add_liveness(std::string name, check c) {
    add(kind::liveness, std::move(name), std::move(c));
  }
  void add_readiness(std::string name, check c) {
    add(kind::readiness, std::move(name), std::move(c));
  }
  /// Adds a check that reads `status` (shared, so the component keeps setting it).
  void add(kind k, std::string name, std::shared_ptr<const status_check> status);

  /// Removes a check; returns whether it existed.
  bool remove(kind k, std::string_view name);

  /// Runs all checks of kind `k`.
  [[nodiscard]] report run(kind k) const;
  /// Runs the one check `name`; nullopt when there is no such check.
  [[nodiscard]] std::optional<result> run_one(kind k, std::string_view name) const;

private:
  struct entry {
    kind k;
    std::string name;
    check fn;
  };
  mutable std::mutex mutex_;
  std::vector<entry> entries_;
};

/// The body kube-apiserver writes for a verbose health request: one line per check
/// (`[+]name ok` or `[-]name failed: reason`), then `<endpoint> check passed` or
/// `<endpoint> check failed` (`endpoint` is e.g. "readyz").
[[nodiscard]] std::string format_verbose(const health::report& r, std::string_view endpoint);

} // namespace vcdlb::runtime
