#include "adapters/kube/leader_elector.hpp"

#include <random>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "adapters/asio/bridge.hpp"
#include "adapters/kube/detail/time.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube {

namespace {

// Which request a client completion answers.
enum class phase : uint8_t { fast_renew, get, create, update, release };

struct elector_state {
  client_ptr client;
  leader_election_config cfg;
  caf::actor_clock::time_point start{};
  std::mt19937_64 rng;

  lease observed;
  bool have_observed = false;
  caf::actor_clock::time_point observed_time{};

  bool leading = false;
  caf::actor_clock::time_point last_renew{};
  caf::actor_clock::time_point attempt_sent{}; // when the current attempt's first request left

  uint64_t seq = 0; // the current attempt; older completions are ignored
  bool in_flight = false;
  bool stopping = false;
  caf::response_promise stop_promise;

  static constexpr const char* name = "leader-elector";
};

using elector_actor = caf::stateful_actor<elector_state>;

bool same_record(const lease& a, const lease& b) {
  return a.holder_identity == b.holder_identity
         && a.lease_duration_seconds == b.lease_duration_seconds && a.acquire_time == b.acquire_time
         && a.renew_time == b.renew_time && a.lease_transitions == b.lease_transitions;
}

std::string wall_now(elector_actor* self) {
  auto elapsed = self->clock().now() - self->state.start;
  return detail::format_micro_time(
    self->state.cfg.wall_origin
    + std::chrono::duration_cast<std::chrono::system_clock::duration>(elapsed));
}

int32_t duration_seconds(caf::timespan d) {
  return static_cast<int32_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

// Sends the outcome of a client call back to the actor as a message.
callback<lease> reply_to(elector_actor* self, phase p) {
  asio_bridge::weak_sender<caf::actor> back{self};
  auto seq = self->state.seq;
  return [back, seq, p](caf::expected<lease> res) {
    if (res)
      back.send(le_done_atom::value, seq, static_cast<uint8_t>(p), std::move(*res));
    else
      back.send(le_fail_atom::value, seq, static_cast<uint8_t>(p), res.error());
  };
}

void notify(elector_actor* self, bool leading) {
  auto& st = self->state;
  spdlog::info("leader election: {} {} lease {}/{}", st.cfg.identity, leading ? "acquired" : "lost",
               st.cfg.lease_namespace, st.cfg.lease_name);
  if (st.cfg.on_change)
    st.cfg.on_change(leading);
  if (st.cfg.subscriber)
    self->send(st.cfg.subscriber, leading_atom::value, leading);
}

void lose(elector_actor* self) {
  if (self->state.cfg.fence)
    self->state.cfg.fence->revoke();
  if (!self->state.leading)
    return;
  self->state.leading = false;
  notify(self, false);
}

void observe(elector_actor* self, const lease& l) {
  auto& st = self->state;
  if (!st.have_observed || !same_record(l, st.observed))
    st.observed_time = self->clock().now();
  st.observed = l;
  st.have_observed = true;
}

void succeed(elector_actor* self) {
  auto& st = self->state;
  st.in_flight = false;
  st.last_renew = self->clock().now();
  // The Lease record changed no earlier than this attempt was sent: followers wait
  // leaseDuration from then, so acting until renewDeadline after it never overlaps them.
  if (st.cfg.fence)
    st.cfg.fence->extend(st.attempt_sent + st.cfg.renew_deadline);
  if (!st.leading) {
    st.leading = true;
    notify(self, true);
  }
}

void fail_attempt(elector_actor* self) {
  auto& st = self->state;
  st.in_flight = false;
  if (st.leading && self->clock().now() - st.last_renew >= st.cfg.renew_deadline)
    lose(self);
}

lease base_record(elector_actor* self) {
  lease l;
  l.ns = self->state.cfg.lease_namespace;
  l.name = self->state.cfg.lease_name;
  return l;
}

void start_get(elector_actor* self) {
  self->state.client->get_lease({self->state.cfg.lease_namespace, self->state.cfg.lease_name},
                                reply_to(self, phase::get));
}

void begin_attempt(elector_actor* self) {
  auto& st = self->state;
  st.in_flight = true;
  ++st.seq;
  auto now = self->clock().now();
  st.attempt_sent = now;
  auto valid = st.have_observed && st.observed.holder_identity == st.cfg.identity
               && now < st.observed_time + std::chrono::seconds{st.observed.lease_duration_seconds};
  if (st.leading && valid) {
    // Fast path: renew the record we wrote last, conditional on its RV.
    auto next = st.observed;
    next.renew_time = wall_now(self);
    next.lease_duration_seconds = duration_seconds(st.cfg.lease_duration);
    st.client->update_lease(std::move(next), reply_to(self, phase::fast_renew));
    return;
  }
  start_get(self);
}

void on_got(elector_actor* self, const lease& l) {
  auto& st = self->state;
  observe(self, l);
  auto now = self->clock().now();
  bool held_by_other = !l.holder_identity.empty() && l.holder_identity != st.cfg.identity;
  if (held_by_other && now < st.observed_time + std::chrono::seconds{l.lease_duration_seconds}) {
    st.in_flight = false;
    // Someone else holds a valid lease: never keep acting as leader next to them.
    lose(self);
    return;
  }
  auto next = l;
  next.holder_identity = st.cfg.identity;
  next.lease_duration_seconds = duration_seconds(st.cfg.lease_duration);
  next.renew_time = wall_now(self);
  if (l.holder_identity != st.cfg.identity) {
    next.acquire_time = next.renew_time;
    next.lease_transitions = l.lease_transitions + 1;
  } else if (next.acquire_time.empty()) {
    next.acquire_time = next.renew_time;
  }
  st.client->update_lease(std::move(next), reply_to(self, phase::update));
}

void finish_stop(elector_actor* self, bool released) {
  auto& st = self->state;
  lose(self);
  st.stop_promise.deliver(released);
  self->quit();
}

void tick(elector_actor* self) {
  auto& st = self->state;
  if (st.stopping)
    return;
  if (st.leading && self->clock().now() - st.last_renew >= st.cfg.renew_deadline)
    lose(self);
  if (!st.in_flight)
    begin_attempt(self);
  // Leaders renew every retryPeriod; candidates retry jittered (wait.JitterUntil).
  auto delay = st.cfg.retry_period;
  if (!st.leading) {
    auto f = std::uniform_real_distribution<double>{0.0, st.cfg.jitter}(st.rng);
    delay += std::chrono::duration_cast<caf::timespan>(st.cfg.retry_period * f);
  }
  self->delayed_send(self, delay, le_tick_atom::value);
}

caf::behavior elector(elector_actor* self, client_ptr c, leader_election_config cfg) {
  auto& st = self->state;
  st.client = std::move(c);
  st.cfg = std::move(cfg);
  st.start = self->clock().now();
  st.rng.seed(st.cfg.seed != 0 ? st.cfg.seed : std::random_device{}());
  self->send(self, le_tick_atom::value);
  return {
    [=](le_tick_atom) { tick(self); },
    [=](le_done_atom, uint64_t seq, uint8_t p, lease& l) {
      auto& s = self->state;
      if (seq != s.seq)
        return;
      switch (static_cast<phase>(p)) {
      case phase::get:
        on_got(self, l);
        break;
      case phase::fast_renew:
      case phase::create:
      case phase::update:
        observe(self, l);
        succeed(self);
        break;
      case phase::release:
        s.observed = l;
        finish_stop(self, true);
        break;
      }
    },
    [=](le_fail_atom, uint64_t seq, uint8_t p, const caf::error& err) {
      auto& s = self->state;
      if (seq != s.seq)
        return;
      switch (static_cast<phase>(p)) {
      case phase::fast_renew:
        // The fast path failed (e.g. 409 after someone touched the Lease): read and retry.
        start_get(self);
        break;
      case phase::get:
        if (has_code(err, kube_errc::not_found)) {
          auto l = base_record(self);
          l.holder_identity = s.cfg.identity;
          l.lease_duration_seconds = duration_seconds(s.cfg.lease_duration);
          l.acquire_time = l.renew_time = wall_now(self);
          s.client->create_lease(std::move(l), reply_to(self, phase::create));
          break;
        }
        spdlog::warn("leader election: reading lease failed: {}", describe(err));
        fail_attempt(self);
        break;
      case phase::create:
      case phase::update:
        if (!has_code(err, kube_errc::conflict) && !has_code(err, kube_errc::already_exists))
          spdlog::warn("leader election: writing lease failed: {}", describe(err));
        fail_attempt(self);
        break;
      case phase::release:
        spdlog::warn("leader election: releasing lease failed: {}", describe(err));
        finish_stop(self, false);
        break;
      }
    },
    [=](le_stop_atom) -> caf::result<bool> {
      auto& s = self->state;
      if (s.stopping)
        return false;
      auto rp = self->make_response_promise<bool>();
      s.stopping = true;
      s.stop_promise = rp;
      if (s.cfg.fence)
        s.cfg.fence->revoke(); // nothing may act for this process once the release is written
      ++s.seq;                 // drop whatever attempt is in flight
      if (!s.leading || !s.have_observed) {
        finish_stop(self, false);
        return rp;
      }
      auto l = s.observed;
      l.holder_identity.clear();
      l.lease_duration_seconds = 1;
      l.acquire_time = l.renew_time = wall_now(self);
      s.client->update_lease(std::move(l), reply_to(self, phase::release));
      return rp;
    },
    [=](caf::get_atom) { return self->state.leading; },
  };
}

} // namespace

leader_election_config make_leader_election_config(const config::leader_election_section& section,
                                                   std::string identity) {
  leader_election_config cfg;
  cfg.lease_namespace = section.lease_namespace;
  cfg.lease_name = section.lease_name;
  cfg.identity = std::move(identity);
  cfg.lease_duration = section.lease_duration;
  cfg.renew_deadline = section.renew_deadline;
  cfg.retry_period = section.retry_period;
  cfg.wall_origin = std::chrono::system_clock::now();
  return cfg;
}

std::string default_identity() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof(host), "vcdlb");
  std::random_device rd;
  uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char suffix[17];
  std::snprintf(suffix, sizeof(suffix), "%016llx", static_cast<unsigned long long>(r));
  return std::string{host} + "_" + suffix;
}

caf::error validate(const leader_election_config& cfg) {
  auto invalid = [](std::string msg) {
    return caf::make_error(config_errc::invalid_value, "leaderElection: " + std::move(msg));
  };
  if (cfg.identity.empty())
    return invalid("identity must not be empty");
  if (cfg.lease_name.empty() || cfg.lease_namespace.empty())
    return invalid("lease name and namespace must be set");
  if (cfg.retry_period <= caf::timespan{0})
    return invalid("retryPeriod must be positive");
  if (cfg.lease_duration <= cfg.renew_deadline)
    return invalid("leaseDuration must be greater than renewDeadline");
  if (cfg.renew_deadline
      <= std::chrono::duration_cast<caf::timespan>(cfg.retry_period * cfg.jitter))
    return invalid("renewDeadline must be greater than jitter x retryPeriod");
  if (cfg.lease_duration < std::chrono::seconds{1})
    return invalid("leaseDuration must be at least 1s");
  return {};
}

caf::expected<caf::actor> spawn_leader_elector(caf::actor_system& sys, client_ptr c,
                                               leader_election_config cfg) {
  if (auto err = validate(cfg))
    return err;
  return sys.spawn(elector, std::move(c), std::move(cfg));
}

} // namespace vcdlb::kube
