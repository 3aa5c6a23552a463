#include "actors/vm_inventory_actor.hpp"

#include <spdlog/spdlog.h>

#include "caf/send.hpp"
#include "protocol/errors.hpp"

namespace vcdlb {

namespace {

using self_ptr = caf::stateful_actor<vm_inventory_state>*;

// Runs `fn` in the actor's context when an adapter calls back (from any thread).
template <class F>
auto in_actor(self_ptr self, F fn) {
  return [weak = caf::actor{self}, fn = std::move(fn)](auto result) mutable {
    caf::anon_send(weak, resume_atom::value,
                   detail::node_resume{
                     [fn = std::move(fn), r = std::move(result)]() mutable { fn(std::move(r)); }});
  };
}

void finish(self_ptr self, caf::expected<std::vector<vm_inventory::vapp_read>> result);

// Reads every cluster vApp, one after the other (the results are only published complete).
struct read_job {
  std::vector<vcd::vapp_record> records;
  std::vector<vm_inventory::vapp_read> done;
};

void read_next(self_ptr self, std::shared_ptr<read_job> job) {
  auto& st = self->state;
  if (job->done.size() == job->records.size())
    return finish(self, std::move(job->done));
  const auto& rec = job->records[job->done.size()];
  ++st.stats.vcd_requests;
  st.args.client->get_vapp(rec.href, in_actor(self, [self, job](caf::expected<vcd::vapp> v) {
                             if (!v)
                               return finish(self, std::move(v.error()));
                             auto vdc = job->records[job->done.size()].vdc_name;
                             job->done.push_back({std::move(*v), std::move(vdc)});
                             read_next(self, job);
                           }));
}

void start_read(self_ptr self) {
  auto& st = self->state;
  if (st.reading) {
    st.again = true;
    return;
  }
  st.reading = true;
  st.last_start = self->clock().now();
  ++st.stats.vcd_requests;
  const auto& s = st.args.settings;
  // With zones the name is a prefix (`<vAppName>*`); is_cluster_vapp keeps the right ones.
  st.args.client->query_vapps(
    s.vapp_name, s.zones_enabled,
    in_actor(self, [self](caf::expected<std::vector<vcd::vapp_record>> r) {
      if (!r)
        return finish(self, std::move(r.error()));
      auto job = std::make_shared<read_job>();
      for (auto& rec : *r)
        if (is_cluster_vapp(rec, self->state.args.settings))
          job->records.push_back(std::move(rec));
      if (job->records.empty())
        return finish(self, caf::make_error(vcd_errc::not_found,
                                            "no vApp named " + self->state.args.settings.vapp_name
                                              + " is visible to vcdlb's VCD user"));
      read_next(self, job);
    }));
}

void arm_period(self_ptr self, caf::timespan after) {
  auto& st = self->state;
  self->delayed_send(self, after, tick_atom::value, ++st.generation);
}

void finish(self_ptr self, caf::expected<std::vector<vm_inventory::vapp_read>> result) {
  auto& st = self->state;
  st.reading = false;
  if (!result) {
    ++st.stats.failed_reads;
    st.args.observer->inventory_read(false, 0);
    spdlog::warn("vm-inventory: reading the VMs of vApp {} failed (Nodes are left as they are, "
                 "retry in {} s): {}",
                 st.args.settings.vapp_name,
                 std::chrono::duration_cast<std::chrono::seconds>(st.args.settings.retry).count(),
                 describe(result.error()));
    arm_period(self, st.args.settings.retry);
  } else {
    ++st.stats.reads;
    st.current = std::make_shared<const vm_inventory>(std::move(*result));
    st.args.observer->inventory_read(true, st.current->size());
    spdlog::debug("vm-inventory: {} VMs in {} vApp(s)", st.current->size(),
                  st.current->vapp_count());
    for (const auto& s : st.subscribers)
      self->send(s, refresh_atom::value, st.current);
    arm_period(self, st.args.settings.period);
  }
  if (st.again) {
    st.again = false;
    self->send(self, refresh_atom::value);
  }
}

} // namespace

bool is_cluster_vapp(const vcd::vapp_record& r, const vm_inventory_settings& s) {
  if (r.name == s.vapp_name)
    return true;
  if (!s.zones_enabled)
    return false;
  // <vAppName>_<vdc uuid>[...]: the VDC's uuid is the last path segment of its href.
  auto slash = r.vdc_href.rfind('/');
  auto uuid = slash == std::string::npos ? r.vdc_href : r.vdc_href.substr(slash + 1);
  auto prefix = s.vapp_name + "_" + uuid;
  return !uuid.empty() && r.name.rfind(prefix, 0) == 0;
}

caf::behavior vm_inventory_behavior(caf::stateful_actor<vm_inventory_state>* self,
                                    vm_inventory_args args) {
  self->state.args = std::move(args);
  self->send(self, tick_atom::value, uint64_t{0});
  return {
    [self](tick_atom, uint64_t generation) {
      auto& st = self->state;
      // Only the latest timer counts (a read re-arms it); generation 0 is the first read.
      if (generation != 0 && generation != st.generation)
        return;
      start_read(self);
    },
    [self](refresh_atom) {
      auto& st = self->state;
      ++st.stats.on_demand;
      if (st.reading) {
        st.again = true;
        return;
      }
      auto next = st.last_start + st.args.settings.min_interval;
      auto now = self->clock().now();
      if (now >= next) {
        start_read(self);
      } else if (!st.demand_scheduled) {
        st.demand_scheduled = true;
        self->delayed_send(self, next - now, refresh_atom::value, true);
      }
    },
    [self](refresh_atom, bool) {
      self->state.demand_scheduled = false;
      start_read(self);
    },
    [self](subscribe_atom, caf::actor who) {
      auto& st = self->state;
      st.subscribers.push_back(who);
      if (st.current)
        self->send(who, refresh_atom::value, st.current);
    },
    [self](resume_atom, detail::node_resume& r) { r.fn(); },
    [self](caf::get_atom) {
      const auto& s = self->state.stats;
      return caf::make_message(s.reads, s.failed_reads, s.vcd_requests, s.on_demand);
    },
  };
}

} // namespace vcdlb
