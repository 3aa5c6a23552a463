#include "adapters/kube/service_writer.hpp"

#include <algorithm>
#include <atomic>

#include "protocol/errors.hpp"

namespace vcdlb::kube {

struct service_writer::state {
  state(client_ptr c, timer_queue& t, service_writer_options o)
    : client(std::move(c)), timers(t), opts(std::move(o)) {}
  client_ptr client;
  timer_queue& timers;
  service_writer_options opts;
  std::atomic<uint64_t> writes{0};
};

service_writer::service_writer(client_ptr c, timer_queue& timers, service_writer_options opts)
  : st_(std::make_shared<state>(std::move(c), timers, std::move(opts))) {}

uint64_t service_writer::writes() const {
  return st_->writes.load();
}

void service_writer::update_status(const service_snapshot& current, std::vector<lb_ingress> ingress,
                                   callback<service_snapshot> done) {
  if (same_ingress(current.ingress, ingress)) {
    st_->timers.schedule(std::chrono::milliseconds{0}, [done, current] { done(current); });
    return;
  }
  ++st_->writes;
  st_->client->patch_service_status(current.key(), std::move(ingress), std::move(done));
}

void service_writer::add_finalizer(const service_snapshot& current,
                                   callback<service_snapshot> done) {
  set_finalizer(current, true, std::move(done));
}

void service_writer::remove_finalizer(const service_snapshot& current,
                                      callback<service_snapshot> done) {
  set_finalizer(current, false, std::move(done));
}

namespace {

// One RetryOnConflict loop; owns itself through the callbacks it hands out.
struct finalizer_job : std::enable_shared_from_this<finalizer_job> {
  std::shared_ptr<service_writer::state> st;
  service_key key;
  bool present = true;
  callback<service_snapshot> done;
  int attempt = 0;

  void run(const service_snapshot& current) {
    ++attempt;
    if (current.has_finalizer(st->opts.finalizer) == present) {
      st->timers.schedule(std::chrono::milliseconds{0},
                          [self = shared_from_this(), current] { self->done(current); });
      return;
    }
    auto finalizers = current.finalizers;
    if (present)
      finalizers.push_back(st->opts.finalizer);
    else
      std::erase(finalizers, st->opts.finalizer);
    ++st->writes;
    st->client->patch_service_finalizers(
      key, std::move(finalizers), current.resource_version,
      [self = shared_from_this()](caf::expected<service_snapshot> res) {
        if (res || !has_code(res.error(), kube_errc::conflict)
            || self->attempt >= self->st->opts.conflict_attempts) {
          self->done(std::move(res));
          return;
        }
        self->st->timers.schedule(self->st->opts.conflict_delay, [self] { self->reread(); });
      });
  }

  void reread() {
    st->client->get_service(key, [self = shared_from_this()](caf::expected<service_snapshot> r) {
      if (!r) {
        self->done(std::move(r));
        return;
      }
      self->run(*r);
    });
  }
};

} // namespace

void service_writer::set_finalizer(const service_snapshot& current, bool present,
                                   callback<service_snapshot> done) {
  auto job = std::make_shared<finalizer_job>();
  job->st = st_;
  job->key = current.key();
  job->present = present;
  job->done = std::move(done);
  job->run(current);
}

} // namespace vcdlb::kube
