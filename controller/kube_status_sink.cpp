#include "controller/kube_status_sink.hpp"

#include <spdlog/spdlog.h>

#include "protocol/errors.hpp"

namespace vcdlb {

namespace {

std::vector<kube::lb_ingress> ingress_for(const std::string& ip) {
  if (ip.empty())
    return {};
  kube::lb_ingress x;
  x.ip = ip;
  return {x};
}

} // namespace

kube_status_sink::kube_status_sink(kube::client_ptr client,
                                   std::shared_ptr<kube::service_writer> writer,
                                   std::shared_ptr<kube::event_recorder> recorder, lookup_fn lookup)
  : client_(std::move(client)), writer_(std::move(writer)), recorder_(std::move(recorder)),
    lookup_(std::move(lookup)) {}

void kube_status_sink::write_status(const service_status& status, done_fn done) {
  kube::service_key key{status.key.ns, status.key.name};
  if (auto cached = lookup_ ? lookup_(key) : std::nullopt) {
    write_from(writer_, *cached, status, std::move(done));
    return;
  }
  // Not in the cache (yet): the informer may lag behind the engine, so read it once.
  client_->get_service(key, [writer = writer_, status, done = std::move(done)](
                              caf::expected<kube::service_snapshot> svc) mutable {
    if (!svc) {
      if (has_code(svc.error(), kube_errc::not_found) && !status.finalizer_wanted)
        done({});
      else
        done(std::move(svc.error()));
      return;
    }
    write_from(writer, *svc, status, std::move(done));
  });
}

void kube_status_sink::write_from(const std::shared_ptr<kube::service_writer>& writer,
                                  const kube::service_snapshot& current,
                                  const service_status& status, done_fn done) {
  auto ingress = ingress_for(status.external_ip);
  if (status.finalizer_wanted) {
    writer->add_finalizer(current, [writer, ingress = std::move(ingress), done = std::move(done)](
                                     caf::expected<kube::service_snapshot> stored) mutable {
      if (!stored) {
        done(std::move(stored.error()));
        return;
      }
      writer->update_status(*stored, std::move(ingress),
                            [done = std::move(done)](caf::expected<kube::service_snapshot> r) {
                              done(r ? caf::error{} : std::move(r.error()));
                            });
    });
    return;
  }
  writer->update_status(
    current, std::move(ingress),
    [writer, current,
     done = std::move(done)](caf::expected<kube::service_snapshot> stored) mutable {
      if (!stored) {
        done(has_code(stored.error(), kube_errc::not_found) ? caf::error{}
                                                            : std::move(stored.error()));
        return;
      }
      writer->remove_finalizer(*stored,
                               [done = std::move(done)](caf::expected<kube::service_snapshot> r) {
                                 if (!r && !has_code(r.error(), kube_errc::not_found))
                                   done(std::move(r.error()));
                                 else
                                   done({});
                               });
    });
}

void kube_status_sink::record_event(const service_event& ev) {
  auto type = ev.type == event_type::warning ? kube::event_type::warning : kube::event_type::normal;
  kube::service_key key{ev.key.ns, ev.key.name};
  if (auto cached = lookup_ ? lookup_(key) : std::nullopt) {
    recorder_->record(*cached, type, ev.reason, ev.message);
    return;
  }
  kube::object_reference ref;
  ref.kind = "Service";
  ref.ns = ev.key.ns;
  ref.name = ev.key.name;
  recorder_->record(ref, type, ev.reason, ev.message);
}

} // namespace vcdlb
