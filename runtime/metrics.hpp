#pragma once

/// @file runtime/metrics.hpp
/// @brief A small Prometheus-style metrics registry: counters, gauges and histograms grouped in
/// labelled families, exposed in the text format 0.0.4.
///
/// Usage:
///
///     runtime::metrics::registry reg;
///     auto requests = reg.add_counter<2>("vcd_requests_total", "VCD requests.",
///                                        {"operation", "code"});
///     auto ok = requests->with("list_virtual_services", "200"); // once; takes the family lock
///     ok->inc();                                                 // hot path: one atomic op
///     std::string text = reg.expose();
///
/// Thread-safety: everything is thread-safe. Updating a child (`inc`, `set`, `observe`) is a
/// few relaxed atomic operations, with no lock and no allocation; looking a child up with
/// `with(...)` takes the family's mutex and allocates the first time only, so hot paths obtain
/// their child once and keep the `shared_ptr`. Exposition reads the atomics without stopping
/// writers: every sample is a value that was current during the call, a histogram's `_count`
/// always equals its `+Inf` bucket.
///
/// Ownership: the registry owns its families; family handles and child `shared_ptr`s share
/// ownership, so a handle stays valid after `remove` or after the registry is gone (updates
/// then simply go nowhere visible). There are no global singletons; a program may own
/// several registries.

#include <array>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "caf/expected.hpp"

namespace vcdlb::runtime::metrics {

/// A monotonically increasing value (Prometheus counter).
class counter {
public:
  /// Adds `delta`; negative or NaN deltas are ignored (a counter never goes down).
  void inc(double delta = 1.0) noexcept;
  [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0.0};
};

/// A value that goes up and down (Prometheus gauge).
class gauge {
public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void inc(double delta = 1.0) noexcept;
  void dec(double delta = 1.0) noexcept { inc(-delta); }
  [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0.0};
};

/// Observations counted in fixed buckets (Prometheus histogram). The bucket bounds are the
/// family's; the implicit last bucket is `+Inf`.
class histogram {
public:
  /// `bounds` are strictly increasing and finite (checked by the registry).
  explicit histogram(std::shared_ptr<const std::vector<double>> bounds);

  /// Counts `v` in the first bucket whose bound is >= v, adds it to the sum. NaN is ignored.
  void observe(double v) noexcept;

  struct snapshot {
    std::vector<uint64_t> cumulative; ///< per bound, then +Inf (== count)
    double sum = 0.0;
    uint64_t count = 0;
  };
  [[nodiscard]] snapshot read() const;
  [[nodiscard]] const std::vector<double>& bounds() const noexcept { return *bounds_; }

private:
  std::shared_ptr<const std::vector<double>> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_; // non-cumulative; size bounds + 1
  std::atomic<double> sum_{0.0};
};

enum class metric_type { counter, gauge, histogram };

/// "counter", "gauge" or "histogram".
[[nodiscard]] std::string_view to_string(metric_type t) noexcept;

/// Bucket bounds `start, start*factor, ...` (`count` of them), like client_golang's
/// ExponentialBuckets.
[[nodiscard]] std::vector<double> exponential_buckets(double start, double factor, size_t count);

namespace detail {

/// A family's state, shared between the registry and the family handles.
struct family_core {
  std::string name;
  std::string help;
  metric_type type = metric_type::counter;
  std::vector<std::string> label_names;
  std::shared_ptr<const std::vector<double>> bounds; // histograms only
  mutable std::mutex mutex;
  // Ordered by label values: that is the exposition order.
  std::map<std::vector<std::string>, std::shared_ptr<void>> children;
};

std::shared_ptr<void> make_child(const family_core& core);

} // namespace detail

/// A handle to a registered family of `Child` metrics with `N` labels. Cheap to copy.
template <class Child, size_t N>
class family {
public:
  family() = default;
  explicit family(std::shared_ptr<detail::family_core> core) : core_(std::move(core)) {}

  /// The child for these label values (one per label name, in order), created on first use.
  template <class... Values>
  requires(sizeof...(Values) == N && (std::convertible_to<const Values&, std::string_view> && ...))
    [[nodiscard]] std::shared_ptr<Child> with(const Values&... values) const {
    return lookup({std::string{std::string_view{values}}...});
  }

  /// The child for a runtime array of label values.
  [[nodiscard]] std::shared_ptr<Child> with_values(const std::array<std::string, N>& values) const {
    return lookup(std::vector<std::string>(values.begin(), values.end()));
  }

  /// Drops the child from the exposition (e.g. a pool that no longer exists). Handles already
  /// held stay valid. Returns whether it existed.
  template <class... Values>
  requires(
    sizeof...(Values) == N
    && (std::convertible_to<const Values&,
                            std::string_view> && ...)) bool remove(const Values&... values) const {
    std::vector<std::string> key{std::string{std::string_view{values}}...};
    std::lock_guard lock{core_->mutex};
    return core_->children.erase(key) > 0;
  }

  /// Drops every child.
  void clear() const {
    std::lock_guard lock{core_->mutex};
    core_->children.clear();
  }

  [[nodiscard]] const std::string& name() const noexcept { return core_->name; }
  [[nodiscard]] explicit operator bool() const noexcept { return core_ != nullptr; }

private:
  std::shared_ptr<Child> lookup(std::vector<std::string> key) const {
    std::lock_guard lock{core_->mutex};
    auto& slot = core_->children[std::move(key)];
    if (!slot)
      slot = detail::make_child(*core_);
    return std::static_pointer_cast<Child>(slot);
  }

  std::shared_ptr<detail::family_core> core_;
};

template <size_t N>
using counter_family = family<counter, N>;
template <size_t N>
using gauge_family = family<gauge, N>;
template <size_t N>
using histogram_family = family<histogram, N>;

/// Owns metric families and renders them. Thread-safe.
class registry {
public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// Registers a counter family. Fails with config_errc::invalid_value for an invalid metric
  /// or label name (Prometheus rules; label names starting with "__" are reserved), duplicate
  /// label names, a name already registered, or a name that collides with a histogram's
  /// `_bucket`/`_sum`/`_count` samples.
  template <size_t N = 0>
  [[nodiscard]] caf::expected<counter_family<N>>
  add_counter(std::string name, std::string help, std::array<std::string, N> labels = {}) {
    return add<counter, N>(metric_type::counter, std::move(name), std::move(help), labels, {});
  }

  template <size_t N = 0>
  [[nodiscard]] caf::expected<gauge_family<N>> add_gauge(std::string name, std::string help,
                                                         std::array<std::string, N> labels = {}) {
    return add<gauge, N>(metric_type::gauge, std::move(name), std::move(help), labels, {});
  }

  /// As add_counter; also fails unless `bounds` is non-empty, finite (a trailing +Inf is
  /// dropped) and strictly increasing, and when a label is called "le".
  template <size_t N = 0>
  [[nodiscard]] caf::expected<histogram_family<N>>
  add_histogram(std::string name, std::string help, std::vector<double> bounds,
                std::array<std::string, N> labels = {}) {
    return add<histogram, N>(metric_type::histogram, std::move(name), std::move(help), labels,
                             std::move(bounds));
  }

  /// Registers `hook`, called at the start of every `expose()` (outside the registry's lock)
  /// to refresh values that are sampled rather than counted (e.g. queue depths).
  void add_collect_hook(std::function<void()> hook);

  /// The Prometheus text format 0.0.4: families sorted by name, each with `# HELP` and
  /// `# TYPE`, then its samples ordered by label values.
  [[nodiscard]] std::string expose() const;

  /// `Content-Type` of `expose()`'s output.
  static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

private:
  template <class Child, size_t N>
  caf::expected<family<Child, N>> add(metric_type type, std::string name, std::string help,
                                      const std::array<std::string, N>& labels,
                                      std::vector<double> bounds) {
    auto core = add_core(type, std::move(name), std::move(help),
                         std::vector<std::string>(labels.begin(), labels.end()), std::move(bounds));
    if (!core)
      return core.error();
    return family<Child, N>{std::move(*core)};
  }

  caf::expected<std::shared_ptr<detail::family_core>> add_core(metric_type type, std::string name,
                                                               std::string help,
                                                               std::vector<std::string> labels,
                                                               std::vector<double> bounds);

  // The family whose samples `name` would collide with (histogram `x` writes `x_bucket`,
  // `x_sum`, `x_count`), or "". Requires mutex_.
  std::string sample_name_clash(const std::string& name, metric_type type) const;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<detail::family_core>, std::less<>> families_;
  std::vector<std::function<void()>> hooks_;
};

/// Text-format helpers, public for tests and for other exporters.
/// Label values: `\` -> `\\`, `"` -> `\"`, newline -> `\n`.
[[nodiscard]] std::string escape_label_value(std::string_view v);
/// HELP text: `\` -> `\\`, newline -> `\n`.
[[nodiscard]] std::string escape_help(std::string_view v);
/// Sample values as Prometheus writes them: shortest round-trip decimal, "+Inf", "-Inf", "NaN".
[[nodiscard]] std::string format_value(double v);

} // namespace vcdlb::runtime::metrics
