#include "runtime/health.hpp"

#include <algorithm>

namespace vcdlb::runtime {

status_check::status_check(std::string initial_reason) {
  if (!initial_reason.empty())
    reason_ = std::move(initial_reason);
}

void status_check::set_ok() {
  std::lock_guard lock{mutex_};
  reason_.reset();
}

void status_check::set_failing(std::string reason) {
  std::lock_guard lock{mutex_};
  reason_ = reason.empty() ? std::string{"failing"} : std::move(reason);
}

std::optional<std::string> status_check::operator()() const {
  std::lock_guard lock{mutex_};
  return reason_;
}

void health::add(kind k, std::string name, check c) {
  std::lock_guard lock{mutex_};
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const entry& e) { return e.k == k && e.name == name; });
  if (it != entries_.end())
    it->fn = std::move(c);
  else
    entries_.push_back(entry{k, std::move(name), std::move(c)});
}

void health::add(kind k, std::string name, std::shared_ptr<const status_check> status) {
  add(k, std::move(name), [status = std::move(status)] { return (*status)(); });
}

bool health::remove(kind k, std::string_view name) {
  std::lock_guard lock{mutex_};
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const entry& e) { return e.k == k && e.name == name; });
  if (it == entries_.end())
    return false;
  entries_.erase(it);
  return true;
}

health::report health::run(kind k) const {
  std::vector<std::pair<std::string, check>> to_run;
  {
    std::lock_guard lock{mutex_};
    for (const auto& e : entries_)
      if (e.k == k)
        to_run.emplace_back(e.name, e.fn);
  }
  report r;
  for (auto& [name, fn] : to_run) {
    auto failure = fn();
    if (failure)
      r.ok = false;
    r.results.push_back(result{std::move(name), std::move(failure)});
  }
  return r;
}

std::optional<health::result> health::run_one(kind k, std::string_view name) const {
  check fn;
  {
    std::lock_guard lock{mutex_};
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const entry& e) { return e.k == k && e.name == name; });
    if (it == entries_.end())
      return std::nullopt;
    fn = it->fn;
  }
  return result{std::string{name}, fn()};
}

std::string format_verbose(const health::report& r, std::string_view endpoint) {
  std::string out;
  for (const auto& c : r.results) {
    if (c.failure) {
      out += "[-]" + c.name + " failed: ";
      // One line per check, whatever the reason contains.
      for (char ch : *c.failure)
        out += ch == '\n' ? ' ' : ch;
      out += '\n';
    } else {
      out += "[+]" + c.name + " ok\n";
    }
  }
  out += std::string{endpoint} + (r.ok ? " check passed\n" : " check failed\n");
  return out;
}

} // namespace vcdlb::runtime
