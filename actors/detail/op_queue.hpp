#pragma once

/// @file actors/detail/op_queue.hpp
/// @brief Which op the gateway runs next: oldest job first, per mutation slot, in O(log N).
///
/// A job is one requester's (one Service actor's) ordered ops: a plan sent as one message, or
/// single ops that arrive while the requester still has some queued or running. A job gets a
/// ticket when it starts (arrival order) and keeps it until its last op finished, so a Service
/// whose plan arrived first has each next op ready the moment the previous one ended and gets
/// the slot before younger jobs: first IPs come early instead of after nearly the whole wave. A
/// job has at most one op running (its ops keep their order), and a requester that comes back
/// later queues behind everyone waiting then, so nobody starves.
///
/// Each op runs in one of `Slots` mutation slots (the gateway's and the profile slot); `pop(s)`
/// picks only among jobs whose next op runs in slot `s`. A job can be held (its next op waits
/// for a Retry-After) and made ready again at its old place. Not thread-safe (one actor owns it).

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace vcdlb::detail {

template <class Requester, class Item, size_t Slots>
class op_queue {
public:
  using ticket = uint64_t;

  /// Appends `item` (run in `slot`) to `who`'s job, starting a new job when `who` has none.
  void push(const Requester& who, Item item, size_t slot) {
    auto [i, fresh] = jobs_.try_emplace(who);
    auto& j = i->second;
    if (fresh)
      j.number = next_ticket_++;
    j.items.emplace_back(std::move(item), slot);
    ++queued_;
    if (j.items.size() == 1 && !j.running && !j.held)
      ready_[slot].emplace(j.number, who);
  }

  /// Takes the next op of the oldest ready job whose next op runs in `slot`; that job is then
  /// running until `finished(who)`.
  std::optional<std::pair<Requester, Item>> pop(size_t slot) {
    auto& ready = ready_[slot];
    if (ready.empty())
      return std::nullopt;
    auto who = ready.begin()->second;
    ready.erase(ready.begin());
    auto& j = jobs_.at(who);
    auto item = std::move(j.items.front().first);
    j.items.pop_front();
    j.running = true;
    --queued_;
    return std::pair<Requester, Item>{std::move(who), std::move(item)};
  }

  /// `who`'s running op ended: its next op is ready at the job's place, or the job ends.
  void finished(const Requester& who) {
    auto i = jobs_.find(who);
    if (i == jobs_.end())
      return;
    i->second.running = false;
    settle(i);
  }

  /// `who`'s running op must wait before it runs again (a Retry-After): it goes back to the
  /// front of its job, which is not ready until `resume(who)`.
  void hold(const Requester& who, Item item, size_t slot) {
    auto i = jobs_.find(who);
    if (i == jobs_.end())
      return;
    auto& j = i->second;
    j.running = false;
    j.held = true;
    j.items.emplace_front(std::move(item), slot);
    ++queued_;
  }

  /// Ends the wait of a held job: ready again at its old place.
  void resume(const Requester& who) {
    auto i = jobs_.find(who);
    if (i == jobs_.end() || !i->second.held)
      return;
    i->second.held = false;
    settle(i);
  }

  /// Removes the queued ops of `who` that `drop` selects (a failed plan's remaining ops) and
  /// returns them in order. The running op is not affected.
  std::vector<Item> remove_if(const Requester& who, const std::function<bool(const Item&)>& drop) {
    std::vector<Item> out;
    auto i = jobs_.find(who);
    if (i == jobs_.end())
      return out;
    auto& j = i->second;
    unready(j, who);
    std::deque<std::pair<Item, size_t>> keep;
    for (auto& entry : j.items)
      if (drop(entry.first))
        out.push_back(std::move(entry.first));
      else
        keep.push_back(std::move(entry));
    queued_ -= out.size();
    j.items = std::move(keep);
    settle(i);
    return out;
  }

  /// Removes every queued op (shutdown), in job order; running ops stay known until finished.
  std::vector<Item> clear() {
    std::vector<std::pair<ticket, Item>> all;
    for (auto& [who, j] : jobs_) {
      for (auto& entry : j.items)
        all.emplace_back(j.number, std::move(entry.first));
      j.items.clear();
      j.held = false;
    }
    for (auto& r : ready_)
      r.clear();
    std::erase_if(jobs_, [](const auto& x) { return !x.second.running; });
    queued_ = 0;
    std::stable_sort(all.begin(), all.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Item> out;
    for (auto& [t, item] : all)
      out.push_back(std::move(item));
    return out;
  }

  /// Ops waiting (not running), held ones included.
  [[nodiscard]] size_t size() const noexcept { return queued_; }
  /// Requesters with an op running or queued.
  [[nodiscard]] size_t jobs() const noexcept { return jobs_.size(); }
  /// Whether a job of `who` has an op running.
  [[nodiscard]] bool running(const Requester& who) const {
    auto i = jobs_.find(who);
    return i != jobs_.end() && i->second.running;
  }

private:
  struct job {
    ticket number = 0;
    std::deque<std::pair<Item, size_t>> items; // queued ops and their slots, in order
    bool running = false;
    bool held = false;
  };
  using job_map = std::map<Requester, job>;

  void unready(const job& j, const Requester& who) {
    if (!j.items.empty())
      ready_[j.items.front().second].erase({j.number, who});
  }

  // After a change of `i`'s state: ready when it has a next op and nothing stops it; ended when
  // it has nothing left.
  void settle(typename job_map::iterator i) {
    auto& j = i->second;
    if (j.running || j.held)
      return;
    if (j.items.empty()) {
      jobs_.erase(i);
      return;
    }
    ready_[j.items.front().second].emplace(j.number, i->first);
  }

  job_map jobs_;
  std::array<std::set<std::pair<ticket, Requester>>, Slots> ready_;
  ticket next_ticket_ = 0;
  size_t queued_ = 0;
};

} // namespace vcdlb::detail
