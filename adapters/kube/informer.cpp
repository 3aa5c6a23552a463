#include "adapters/kube/informer.hpp"

#include <algorithm>
#include <mutex>
#include <random>

#include <spdlog/spdlog.h>

#include "protocol/errors.hpp"

namespace vcdlb::kube {

std::string_view to_string(delta_type t) {
  switch (t) {
  case delta_type::added:
    return "added";
  case delta_type::updated:
    return "updated";
  case delta_type::deleted:
    return "deleted";
  case delta_type::resync:
    return "resync";
  case delta_type::synced:
    return "synced";
  }
  return "unknown";
}

namespace {

template <class T>
std::string_view kind_of() {
  if constexpr (std::is_same_v<T, service_snapshot>)
    return "services";
  else if constexpr (std::is_same_v<T, node_snapshot>)
    return "nodes";
  else
    return "endpointslices";
}

// Errors after which the watch can resume from the last RV; anything else relists.
bool resumable(const caf::error& err) {
  return err.category() == caf::atom("net") || has_code(err, kube_errc::unavailable)
         || has_code(err, kube_errc::rate_limited);
}

} // namespace

template <class T>
struct informer<T>::state : std::enable_shared_from_this<state> {
  using clock = timer_queue::clock;

  state(client_ptr c, timer_queue& t, informer_options o, handler_type h)
    : client(std::move(c)), timers(t), opts(std::move(o)), handler(std::move(h)),
      rng(opts.seed != 0 ? opts.seed : std::random_device{}()) {}

  client_ptr client;
  timer_queue& timers;
  informer_options opts;
  handler_type handler;

  mutable std::mutex mtx;
  std::map<std::string, T> cache;
  std::string last_rv;
  bool rv_unavailable = false;
  bool started = false;
  bool stopped = false;
  bool synced = false;
  informer_stats stats;

  // The current LIST (possibly several pages); `list_gen` invalidates stale completions.
  uint64_t list_gen = 0;
  std::vector<T> pages;
  std::string list_rv;

  // The current WATCH.
  watch_ptr watch;
  uint64_t watch_gen = 0;
  clock::time_point watch_started{};
  uint64_t watch_events = 0;

  // Backoff and timers.
  std::chrono::milliseconds backoff{0};
  clock::time_point last_trouble{};
  uint64_t retry_timer = 0;
  uint64_t resync_timer = 0;
  std::mt19937_64 rng;

  void deliver(delta_type type, const T& obj, const T* old = nullptr) {
    delta<T> d;
    d.type = type;
    d.object = obj;
    if (old != nullptr)
      d.old = *old;
    handler(d);
  }

  // -- list -----------------------------------------------------------------------------------

  void do_list() {
    ++list_gen;
    pages.clear();
    list_rv.clear();
    list_options lo;
    lo.ns = opts.ns;
    lo.label_selector = opts.label_selector;
    lo.field_selector = opts.field_selector;
    lo.resource_version = rv_unavailable ? "" : (last_rv.empty() ? "0" : last_rv);
    // With a specific RV a limit would turn "not older than" into "exact" (1.2): page only
    // for "" (quorum read) and "0".
    if ((lo.resource_version.empty() || lo.resource_version == "0") && opts.page_size > 0)
      lo.limit = opts.page_size;
    request_page(std::move(lo));
  }

  void request_page(list_options lo) {
    std::weak_ptr<state> weak = this->shared_from_this();
    auto gen = list_gen;
    list_objects<T>(*client, lo, [weak, gen, lo](caf::expected<list_result<T>> res) mutable {
      if (auto self = weak.lock())
        self->on_page(gen, std::move(lo), std::move(res));
    });
  }

  void on_page(uint64_t gen, list_options lo, caf::expected<list_result<T>> res) {
    std::lock_guard guard{mtx};
    if (stopped || gen != list_gen)
      return;
    if (!res) {
      ++stats.errors;
      const auto& err = res.error();
      spdlog::warn("kube informer {}: list failed: {}", kind_of<T>(), describe(err));
      if (has_code(err, kube_errc::gone) || has_code(err, kube_errc::too_large_rv))
        rv_unavailable = true;
      retry_later([](state& s) { s.do_list(); });
      return;
    }
    if (list_rv.empty())
      list_rv = res->resource_version;
    for (auto& item : res->items)
      pages.push_back(std::move(item));
    if (!res->continue_token.empty()) {
      // A continue token carries the snapshot; the RV must be unset with it.
      lo.continue_token = std::move(res->continue_token);
      lo.resource_version.clear();
      request_page(std::move(lo));
      return;
    }
    finish_list();
  }

  void finish_list() {
    std::map<std::string, T> fresh;
    for (auto& item : pages) {
      auto key = object_key(item);
      auto i = cache.find(key);
      if (i == cache.end())
        deliver(delta_type::added, item);
      else if (!(i->second == item))
        deliver(delta_type::updated, item, &i->second);
      fresh.insert_or_assign(std::move(key), std::move(item));
    }
    for (const auto& [key, obj] : cache)
      if (fresh.count(key) == 0)
        deliver(delta_type::deleted, obj);
    cache = std::move(fresh);
    pages.clear();
    last_rv = list_rv;
    rv_unavailable = false;
    ++stats.lists;
    if (!synced) {
      synced = true;
      deliver(delta_type::synced, T{});
      schedule_resync();
    }
    do_watch();
  }

  // -- watch ----------------------------------------------------------------------------------

  void do_watch() {
    auto gen = ++watch_gen;
    watch_events = 0;
    watch_started = timers.now();
    watch_options wo;
    wo.ns = opts.ns;
    wo.label_selector = opts.label_selector;
    wo.field_selector = opts.field_selector;
    wo.resource_version = last_rv;
    wo.allow_bookmarks = true;
    auto min = opts.min_watch_timeout.count();
    wo.timeout =
      std::chrono::seconds{min
                           + static_cast<int64_t>(std::uniform_int_distribution<uint64_t>{
                             0, static_cast<uint64_t>(std::max<int64_t>(min, 1)) - 1}(rng))};
    ++stats.watches;
    std::weak_ptr<state> weak = this->shared_from_this();
    watch_handler<T> h;
    h.on_event = [weak, gen](watch_event<T> ev) {
      if (auto self = weak.lock())
        self->on_event(gen, std::move(ev));
    };
    h.on_end = [weak, gen](const caf::error& err) {
      if (auto self = weak.lock()) {
        std::lock_guard guard{self->mtx};
        self->on_end(gen, err);
      }
    };
    watch = watch_objects<T>(*client, std::move(wo), std::move(h));
  }

  void on_event(uint64_t gen, watch_event<T> ev) {
    watch_ptr finished;
    {
      std::lock_guard guard{mtx};
      finished = apply_event(gen, std::move(ev));
    }
    // Outside the lock: a transport may report the end from inside cancel().
    if (finished)
      finished->cancel();
  }

  // Returns the watch to cancel when the event ended it.
  watch_ptr apply_event(uint64_t gen, watch_event<T> ev) {
    if (stopped || gen != watch_gen)
      return nullptr;
    ++watch_events;
    switch (ev.type) {
    case watch_event_type::added:
    case watch_event_type::modified: {
      auto key = object_key(ev.object);
      auto i = cache.find(key);
      last_rv = ev.resource_version;
      if (i == cache.end()) {
        auto& stored = cache.emplace(std::move(key), std::move(ev.object)).first->second;
        deliver(delta_type::added, stored);
      } else {
        auto old = std::move(i->second);
        i->second = std::move(ev.object);
        deliver(delta_type::updated, i->second, &old);
      }
      break;
    }
    case watch_event_type::deleted: {
      last_rv = ev.resource_version;
      auto i = cache.find(object_key(ev.object));
      if (i != cache.end()) {
        cache.erase(i);
        deliver(delta_type::deleted, ev.object);
      }
      break;
    }
    case watch_event_type::bookmark:
      last_rv = ev.resource_version;
      break;
    case watch_event_type::error: {
      // The server ends the stream after an ERROR; act on it now and ignore the rest.
      auto w = std::move(watch);
      on_end(gen, ev.error);
      return w;
    }
    }
    return nullptr;
  }

  // Called with the lock held.
  void on_end(uint64_t gen, const caf::error& err) {
    if (stopped || gen != watch_gen)
      return;
    ++watch_gen; // later callbacks of this watch are stale
    watch.reset();
    if (!err) {
      // client-go backs off after a "very short watch": under 1 s and no events.
      if (watch_events == 0 && timers.now() - watch_started < std::chrono::seconds{1}) {
        ++stats.errors;
        retry_later([](state& s) { s.do_watch(); });
        return;
      }
      do_watch();
      return;
    }
    if (has_code(err, net_errc::cancelled))
      return;
    if (has_code(err, kube_errc::gone) || has_code(err, kube_errc::too_large_rv)) {
      spdlog::info("kube informer {}: watch from resourceVersion {} expired, relisting",
                   kind_of<T>(), last_rv);
      ++stats.relists_after_gone;
      do_list();
      return;
    }
    ++stats.errors;
    spdlog::warn("kube informer {}: watch failed: {}", kind_of<T>(), describe(err));
    if (resumable(err))
      retry_later([](state& s) { s.do_watch(); });
    else
      retry_later([](state& s) { s.do_list(); });
  }

  // -- timers ---------------------------------------------------------------------------------

  std::chrono::milliseconds next_backoff() {
    auto now = timers.now();
    if (backoff.count() == 0 || now - last_trouble > opts.backoff_reset)
      backoff = opts.backoff_initial;
    else
      backoff = std::min(backoff * 2, opts.backoff_max);
    last_trouble = now;
    auto jitter = std::uniform_real_distribution<double>{0.0, opts.backoff_jitter}(rng);
    return backoff + std::chrono::milliseconds{static_cast<int64_t>(backoff.count() * jitter)};
  }

  template <class F>
  void retry_later(F what) {
    std::weak_ptr<state> weak = this->shared_from_this();
    retry_timer = timers.schedule(next_backoff(), [weak, what] {
      if (auto self = weak.lock()) {
        std::lock_guard guard{self->mtx};
        if (!self->stopped)
          what(*self);
      }
    });
  }

  void schedule_resync() {
    if (opts.resync_period.count() <= 0)
      return;
    std::weak_ptr<state> weak = this->shared_from_this();
    resync_timer = timers.schedule(opts.resync_period, [weak] {
      if (auto self = weak.lock()) {
        std::lock_guard guard{self->mtx};
        if (self->stopped)
          return;
        for (const auto& [key, obj] : self->cache)
          self->deliver(delta_type::resync, obj);
        self->schedule_resync();
      }
    });
  }
};

template <class T>
std::shared_ptr<informer<T>> informer<T>::make(client_ptr c, timer_queue& timers,
                                               informer_options opts, handler_type handler) {
  return std::make_shared<informer<T>>(std::move(c), timers, std::move(opts), std::move(handler));
}

template <class T>
informer<T>::informer(client_ptr c, timer_queue& timers, informer_options opts,
                      handler_type handler)
  : st_(std::make_shared<state>(std::move(c), timers, std::move(opts), std::move(handler))) {}

template <class T>
informer<T>::~informer() {
  stop();
}

template <class T>
void informer<T>::start() {
  std::lock_guard guard{st_->mtx};
  if (st_->started || st_->stopped)
    return;
  st_->started = true;
  st_->do_list();
}

template <class T>
void informer<T>::stop() {
  watch_ptr w;
  {
    std::lock_guard guard{st_->mtx};
    if (st_->stopped)
      return;
    st_->stopped = true;
    st_->timers.cancel(st_->retry_timer);
    st_->timers.cancel(st_->resync_timer);
    w = std::move(st_->watch);
  }
  // Outside the lock: a transport may report the end from inside cancel().
  if (w)
    w->cancel();
}

template <class T>
bool informer<T>::has_synced() const {
  std::lock_guard guard{st_->mtx};
  return st_->synced;
}

template <class T>
std::vector<T> informer<T>::list() const {
  std::lock_guard guard{st_->mtx};
  std::vector<T> out;
  out.reserve(st_->cache.size());
  for (const auto& [key, obj] : st_->cache)
    out.push_back(obj);
  return out;
}

template <class T>
std::optional<T> informer<T>::get(const std::string& key) const {
  std::lock_guard guard{st_->mtx};
  auto i = st_->cache.find(key);
  if (i == st_->cache.end())
    return std::nullopt;
  return i->second;
}

template <class T>
std::string informer<T>::last_resource_version() const {
  std::lock_guard guard{st_->mtx};
  return st_->last_rv;
}

template <class T>
informer_stats informer<T>::stats() const {
  std::lock_guard guard{st_->mtx};
  return st_->stats;
}

template class informer<service_snapshot>;
template class informer<node_snapshot>;
template class informer<endpoint_slice_snapshot>;

} // namespace vcdlb::kube
