#include "runtime/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "protocol/errors.hpp"

namespace vcdlb::runtime::metrics {

namespace {

bool valid_metric_name(std::string_view n) {
  if (n.empty())
    return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
      return false;
  }
  return true;
}

bool valid_label_name(std::string_view n) {
  if (n.empty() || n.starts_with("__"))
    return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
      return false;
  }
  return true;
}

caf::error invalid(std::string what) {
  return caf::make_error(config_errc::invalid_value, std::move(what));
}

// `{a="x",b="y"` without the closing brace, so histograms can append `le`.
void append_labels_open(std::string& out, const std::vector<std::string>& names,
                        const std::vector<std::string>& values) {
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0)
      out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
}

void append_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values) {
  if (names.empty())
    return;
  append_labels_open(out, names, values);
  out += '}';
}

void append_family(std::string& out, const detail::family_core& core) {
  out += "# HELP ";
  out += core.name;
  out += ' ';
  out += escape_help(core.help);
  out += "\n# TYPE ";
  out += core.name;
  out += ' ';
  out += to_string(core.type);
  out += '\n';
  // Copy the children out so the lock is not held while formatting.
  std::vector<std::pair<std::vector<std::string>, std::shared_ptr<void>>> children;
  {
    std::lock_guard lock{core.mutex};
    children.assign(core.children.begin(), core.children.end());
  }
  for (const auto& [values, child] : children) {
    switch (core.type) {
    case metric_type::counter:
    case metric_type::gauge: {
      double v = core.type == metric_type::counter ? static_cast<counter*>(child.get())->value()
                                                   : static_cast<gauge*>(child.get())->value();
      out += core.name;
      append_labels(out, core.label_names, values);
      out += ' ';
      out += format_value(v);
      out += '\n';
      break;
    }
    case metric_type::histogram: {
      auto snap = static_cast<histogram*>(child.get())->read();
      const auto& bounds = *core.bounds;
      for (size_t i = 0; i <= bounds.size(); ++i) {
        out += core.name;
        out += "_bucket";
        append_labels_open(out, core.label_names, values);
        if (!core.label_names.empty())
          out += ',';
        out += "le=\"";
        out += i < bounds.size() ? format_value(bounds[i]) : std::string{"+Inf"};
        out += "\"} ";
        out += std::to_string(snap.cumulative[i]);
        out += '\n';
      }
      out += core.name;
      out += "_sum";
      append_labels(out, core.label_names, values);
      out += ' ';
      out += format_value(snap.sum);
      out += '\n';
      out += core.name;
      out += "_count";
      append_labels(out, core.label_names, values);
      out += ' ';
      out += std::to_string(snap.count);
      out += '\n';
      break;
    }
    }
  }
}

// Atomic add for doubles: a relaxed compare-exchange loop, lock-free wherever a 64-bit CAS is.
void atomic_add(std::atomic<double>& a, double delta) noexcept {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + delta, std::memory_order_relaxed))
    ; // retry with the refreshed value
}

} // namespace

void counter::inc(double delta) noexcept {
  if (!(delta >= 0.0)) // also rejects NaN
    return;
  atomic_add(value_, delta);
}

void gauge::inc(double delta) noexcept {
  atomic_add(value_, delta);
}

histogram::histogram(std::shared_ptr<const std::vector<double>> bounds)
  : bounds_(std::move(bounds)),
    buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_->size() + 1)) {
  // nop
}

void histogram::observe(double v) noexcept {
  if (std::isnan(v))
    return;
  const auto& b = *bounds_;
  // Prometheus buckets are "less than or equal": the first bound >= v.
  auto idx = static_cast<size_t>(std::lower_bound(b.begin(), b.end(), v) - b.begin());
  buckets_[idx].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
}

histogram::snapshot histogram::read() const {
  snapshot s;
  s.cumulative.resize(bounds_->size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::string_view to_string(metric_type t) noexcept {
  switch (t) {
  case metric_type::counter:
    return "counter";
  case metric_type::gauge:
    return "gauge";
  case metric_type::histogram:
    return "histogram";
  }
  return "untyped";
}

std::vector<double> exponential_buckets(double start, double factor, size_t count) {
  std::vector<double> out;
  out.reserve(count);
  double v = start;
  for (size_t i = 0; i < count; ++i) {
    out.push_back(v);
    v *= factor;
  }
  return out;
}

std::shared_ptr<void> detail::make_child(const family_core& core) {
  switch (core.type) {
  case metric_type::counter:
    return std::make_shared<counter>();
  case metric_type::gauge:
    return std::make_shared<gauge>();
  case metric_type::histogram:
    return std::make_shared<histogram>(core.bounds);
  }
  return nullptr;
}

caf::expected<std::shared_ptr<detail::family_core>>
registry::add_core(metric_type type, std::string name, std::string help,
                   std::vector<std::string> labels, std::vector<double> bounds) {
  if (!valid_metric_name(name))
    return invalid("invalid metric name \"" + name + "\"");
  std::set<std::string_view> seen;
  for (const auto& l : labels) {
    if (!valid_label_name(l))
      return invalid("metric " + name + ": invalid label name \"" + l + "\"");
    if (!seen.insert(l).second)
      return invalid("metric " + name + ": duplicate label name \"" + l + "\"");
    if (type == metric_type::histogram && l == "le")
      return invalid("metric " + name + ": a histogram cannot have a label \"le\"");
  }
  auto core = std::make_shared<detail::family_core>();
  if (type == metric_type::histogram) {
    if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0)
      bounds.pop_back();
    if (bounds.empty())
      return invalid("histogram " + name + ": no buckets");
    for (size_t i = 0; i < bounds.size(); ++i) {
      if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i])))
        return invalid("histogram " + name + ": buckets must be finite and strictly increasing");
    }
    core->bounds = std::make_shared<const std::vector<double>>(std::move(bounds));
  }
  core->name = name;
  core->help = std::move(help);
  core->type = type;
  core->label_names = std::move(labels);
  std::lock_guard lock{mutex_};
  if (auto clash = sample_name_clash(core->name, type); !clash.empty())
    return invalid("metric " + core->name + " would clash with the samples of " + clash);
  if (!families_.emplace(std::move(name), core).second)
    return invalid("metric " + core->name + " is already registered");
  return core;
}

std::string registry::sample_name_clash(const std::string& name, metric_type type) const {
  static constexpr std::string_view suffixes[] = {"_bucket", "_sum", "_count"};
  // A new histogram's samples must not be another family's name...
  if (type == metric_type::histogram) {
    for (auto suffix : suffixes) {
      auto sample = name + std::string{suffix};
      if (families_.count(sample) > 0)
        return sample;
    }
  }
  // ...and a new family must not be named like an existing histogram's samples.
  for (auto suffix : suffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      auto it = families_.find(std::string_view{name}.substr(0, name.size() - suffix.size()));
      if (it != families_.end() && it->second->type == metric_type::histogram)
        return it->first;
    }
  }
  return {};
}

void registry::add_collect_hook(std::function<void()> hook) {
  std::lock_guard lock{mutex_};
  hooks_.push_back(std::move(hook));
}

std::string registry::expose() const {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock{mutex_};
    hooks = hooks_;
  }
  for (const auto& h : hooks)
    h();
  std::vector<std::shared_ptr<detail::family_core>> families;
  {
    std::lock_guard lock{mutex_};
    families.reserve(families_.size());
    for (const auto& [_, core] : families_)
      families.push_back(core);
  }
  std::string out;
  for (const auto& core : families)
    append_family(out, *core);
  return out;
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
    case '\\':
      out += "\\\\";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\n':
      out += "\\n";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc{})
    return "NaN"; // cannot happen: 64 bytes hold any shortest double
  return std::string{buf, end};
}

} // namespace vcdlb::runtime::metrics
