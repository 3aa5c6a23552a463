#include "adapters/kube/event_recorder.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include <spdlog/spdlog.h>

#include "adapters/kube/detail/time.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube {

namespace {

using clock = timer_queue::clock;

struct bucket {
  double tokens = 0;
  clock::time_point last{};
};

struct similar {
  std::set<std::string> messages;
  clock::time_point first{};
  clock::time_point last{};
};

struct seen_event {
  event latest; ///< name, count, timestamps and message as they should be on the server
  clock::time_point last{};
  bool in_flight = false; ///< a create or patch of this Event is under way
  bool dirty = false;     ///< `latest` changed while in flight: patch again when it lands
};

// Drops the least recently used entry of `m` while it holds more than `cap`.
template <class Map>
void trim(Map& m, size_t cap) {
  while (m.size() > cap) {
    auto oldest = m.begin();
    for (auto i = m.begin(); i != m.end(); ++i)
      if (i->second.last < oldest->second.last)
        oldest = i;
    m.erase(oldest);
  }
}

std::string truncate_utf8(std::string s, size_t max) {
  if (s.size() <= max)
    return s;
  size_t cut = max;
  // Never split a multi-byte UTF-8 sequence: back up to a lead byte.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut;
  s.resize(cut);
  return s;
}

} // namespace

struct event_recorder::state : std::enable_shared_from_this<state> {
  state(client_ptr c, timer_queue& t, event_recorder_options o)
    : client(std::move(c)), timers(t), opts(std::move(o)) {}

  client_ptr client;
  timer_queue& timers;
  event_recorder_options opts;

  mutable std::mutex mtx;
  std::map<std::string, bucket> buckets;
  std::map<std::string, similar> aggregates;
  std::map<std::string, seen_event> seen;
  uint64_t last_nanos = 0;
  event_recorder_stats stats;
  bool closed = false;

  std::string unique_name(const std::string& object_name) {
    auto nanos = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(opts.wall_clock().time_since_epoch())
        .count());
    if (nanos <= last_nanos)
      nanos = last_nanos + 1;
    last_nanos = nanos;
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%llx", static_cast<unsigned long long>(nanos));
    return object_name + "." + hex;
  }

  bool take_token(const std::string& key, clock::time_point now) {
    auto [i, inserted] = buckets.try_emplace(key);
    auto& b = i->second;
    if (inserted) {
      b.tokens = opts.spam_burst;
    } else {
      auto refill = std::chrono::duration<double>(now - b.last)
                    / std::chrono::duration<double>(opts.spam_refill);
      b.tokens = std::min(opts.spam_burst, b.tokens + refill);
    }
    b.last = now;
    trim(buckets, opts.cache_size);
    if (b.tokens < 1.0)
      return false;
    b.tokens -= 1.0;
    return true;
  }

  // Writes of one Event are serialized: a patch before its create landed would 404, and two
  // patches in flight could land out of order. Changes made meanwhile are coalesced.
  void create(std::string key, event ev, int tries) {
    std::weak_ptr<state> weak = shared_from_this();
    client->create_event(ev, [weak, key, ev, tries](caf::expected<event> res) {
      auto self = weak.lock();
      if (!self)
        return;
      std::lock_guard guard{self->mtx};
      if (res || has_code(res.error(), kube_errc::already_exists)) {
        // AlreadyExists: the same Event went in on an earlier try.
        if (res)
          ++self->stats.created;
        self->landed(key, ev.name);
        return;
      }
      self->retry_or_give_up(res.error(), tries, key, ev.name,
                             [key, ev, tries](state& s) { s.create(key, ev, tries + 1); });
    });
  }

  void patch(std::string key, event full, int tries) {
    std::weak_ptr<state> weak = shared_from_this();
    client->patch_event({full.ns, full.name}, full.count, full.last_timestamp, full.message,
                        [weak, key, full, tries](caf::expected<event> res) mutable {
                          auto self = weak.lock();
                          if (!self)
                            return;
                          std::lock_guard guard{self->mtx};
                          if (res) {
                            ++self->stats.patched;
                            self->landed(key, full.name);
                            return;
                          }
                          if (has_code(res.error(), kube_errc::not_found)) {
                            // Expired or deleted meanwhile: start a new Event (client-go does the
                            // same).
                            auto i = self->seen.find(key);
                            if (i == self->seen.end() || i->second.latest.name != full.name)
                              return;
                            auto& latest = i->second.latest;
                            latest.name = self->unique_name(latest.involved_object.name);
                            latest.count = 1;
                            latest.first_timestamp = latest.last_timestamp;
                            i->second.dirty = false;
                            self->create(key, latest, 1);
                            return;
                          }
                          self->retry_or_give_up(
                            res.error(), tries, key, full.name,
                            [key, full, tries](state& s) { s.patch(key, full, tries + 1); });
                        });
  }

  // A write of Event `name` under `key` completed: send what changed meanwhile, if anything.
  void landed(const std::string& key, const std::string& name) {
    auto i = seen.find(key);
    if (i == seen.end() || i->second.latest.name != name)
      return;
    if (i->second.dirty && !closed) {
      i->second.dirty = false;
      patch(key, i->second.latest, 1);
      return;
    }
    i->second.in_flight = false;
  }

  template <class F>
  void retry_or_give_up(const caf::error& err, int tries, const std::string& key,
                        const std::string& name, F again) {
    if (!closed && is_retryable(err) && tries < opts.max_tries) {
      std::weak_ptr<state> weak = shared_from_this();
      timers.schedule(opts.retry_delay, [weak, again] {
        if (auto self = weak.lock()) {
          std::lock_guard guard{self->mtx};
          if (!self->closed)
            again(*self);
        }
      });
      return;
    }
    ++stats.failed;
    // Forget the Event so that the next occurrence starts a fresh one.
    if (auto i = seen.find(key); i != seen.end() && i->second.latest.name == name)
      seen.erase(i);
    spdlog::warn("kube events: giving up on an Event after {} tries: {}", tries, describe(err));
  }
};

event_recorder::event_recorder(client_ptr c, timer_queue& timers, event_recorder_options opts)
  : st_(std::make_shared<state>(std::move(c), timers, std::move(opts))) {}

event_recorder::~event_recorder() {
  std::lock_guard guard{st_->mtx};
  st_->closed = true;
}

event_recorder_stats event_recorder::stats() const {
  std::lock_guard guard{st_->mtx};
  return st_->stats;
}

void event_recorder::record(const object_reference& obj, event_type type, std::string_view reason,
                            std::string message) {
  auto& st = *st_;
  std::lock_guard guard{st.mtx};
  auto now = st.timers.now();
  message = truncate_utf8(std::move(message), st.opts.max_message_bytes);
  auto object_id = obj.kind + "/" + obj.ns + "/" + obj.name + "/" + obj.uid;
  if (!st.take_token(object_id, now)) {
    ++st.stats.dropped;
    return;
  }
  // Aggregation of similar events (same object, type, reason; different messages).
  auto agg_key = object_id + "/" + to_string(type) + "/" + std::string{reason};
  auto& agg = st.aggregates[agg_key];
  if (agg.messages.empty() || now - agg.first > st.opts.window) {
    agg.messages.clear();
    agg.first = now;
  }
  agg.last = now;
  agg.messages.insert(message);
  std::string dedup_key = agg_key + "/" + message;
  if (agg.messages.size() >= st.opts.max_similar) {
    message =
      truncate_utf8("(combined from similar events): " + message, st.opts.max_message_bytes);
    dedup_key = agg_key; // every further message lands on the one combined Event
  }
  trim(st.aggregates, st.opts.cache_size);

  auto wall = detail::format_time(st.opts.wall_clock());
  event ev;
  ev.ns = obj.ns.empty() ? "default" : obj.ns;
  ev.involved_object = obj;
  ev.reason = std::string{reason};
  ev.message = message;
  ev.type = type;
  ev.source_component = st.opts.component;
  ev.source_host = st.opts.host;
  ev.last_timestamp = wall;

  auto i = st.seen.find(dedup_key);
  if (i != st.seen.end() && now - i->second.last <= st.opts.window) {
    auto& s = i->second;
    s.last = now;
    s.latest.count += 1;
    s.latest.last_timestamp = ev.last_timestamp;
    s.latest.message = ev.message;
    if (s.in_flight) {
      s.dirty = true;
      return;
    }
    s.in_flight = true;
    st.patch(dedup_key, s.latest, 1);
    return;
  }
  ev.name = st.unique_name(obj.name);
  ev.first_timestamp = wall;
  ev.count = 1;
  st.seen.insert_or_assign(dedup_key, seen_event{ev, now, true, false});
  trim(st.seen, st.opts.cache_size);
  st.create(dedup_key, std::move(ev), 1);
}

} // namespace vcdlb::kube
