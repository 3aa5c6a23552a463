#include "tests/integration/api_server.hpp"

#include "protocol/errors.hpp"

namespace vcdlb::integration {

void api_server::attach(engine* eng) {
  std::lock_guard guard{mutex_};
  engine_ = eng;
  std::vector<node_description> nodes;
  for (const auto& [name, n] : nodes_)
    nodes.push_back(n);
  std::vector<service_spec> services;
  for (const auto& [key, s] : services_)
    services.push_back(s);
  std::vector<endpoint_slice_info> slices;
  for (const auto& [key, s] : slices_)
    slices.push_back(s);
  engine_->replace_endpoint_slices(std::move(slices)); // before the nodes, like the controller
  engine_->replace_nodes(std::move(nodes));
  engine_->replace_services(std::move(services));
}

void api_server::detach() {
  std::lock_guard guard{mutex_};
  engine_ = nullptr;
}

void api_server::send_locked(const service_spec& spec) {
  if (engine_ != nullptr)
    engine_->upsert_service(spec);
}

void api_server::apply(service_spec spec) {
  std::lock_guard guard{mutex_};
  auto i = services_.find(spec.key);
  if (i == services_.end()) {
    spec.uid = "uid-" + std::to_string(next_uid_++);
    spec.has_finalizer = false;
    spec.deletion_requested = false;
    spec.ingress_ips.clear();
  } else {
    spec.uid = i->second.uid;
    spec.has_finalizer = i->second.has_finalizer;
    spec.deletion_requested = i->second.deletion_requested;
    spec.ingress_ips = i->second.ingress_ips;
  }
  auto key = spec.key;
  auto& stored = services_.insert_or_assign(std::move(key), std::move(spec)).first->second;
  send_locked(stored);
}

void api_server::seed(service_spec spec) {
  std::lock_guard guard{mutex_};
  if (spec.uid.empty())
    spec.uid = "uid-" + std::to_string(next_uid_++);
  auto key = spec.key;
  auto& stored = services_.insert_or_assign(std::move(key), std::move(spec)).first->second;
  send_locked(stored);
}

void api_server::request_delete(const service_key& key) {
  std::lock_guard guard{mutex_};
  auto i = services_.find(key);
  if (i == services_.end())
    return;
  if (!i->second.has_finalizer) {
    services_.erase(i);
    if (engine_ != nullptr)
      engine_->delete_service(key);
    return;
  }
  i->second.deletion_requested = true;
  send_locked(i->second);
}

void api_server::force_delete(const service_key& key) {
  std::lock_guard guard{mutex_};
  if (services_.erase(key) > 0 && engine_ != nullptr)
    engine_->delete_service(key);
}

void api_server::apply_node(node_description node) {
  std::lock_guard guard{mutex_};
  auto name = node.name;
  auto& stored = nodes_.insert_or_assign(std::move(name), std::move(node)).first->second;
  if (engine_ != nullptr)
    engine_->upsert_node(stored);
}

void api_server::remove_node(const std::string& name) {
  std::lock_guard guard{mutex_};
  if (nodes_.erase(name) > 0 && engine_ != nullptr)
    engine_->delete_node(name);
}

void api_server::apply_slice(endpoint_slice_info slice) {
  std::lock_guard guard{mutex_};
  auto key = std::pair{slice.service, slice.name};
  auto& stored = slices_.insert_or_assign(std::move(key), std::move(slice)).first->second;
  if (engine_ != nullptr)
    engine_->upsert_endpoint_slice(stored);
}

void api_server::remove_slice(const service_key& service, const std::string& name) {
  std::lock_guard guard{mutex_};
  auto i = slices_.find({service, name});
  if (i == slices_.end())
    return;
  if (engine_ != nullptr)
    engine_->delete_endpoint_slice(i->second);
  slices_.erase(i);
}

std::vector<endpoint_slice_info> api_server::slices() const {
  std::lock_guard guard{mutex_};
  std::vector<endpoint_slice_info> result;
  for (const auto& [key, s] : slices_)
    result.push_back(s);
  return result;
}

std::optional<service_spec> api_server::get(const service_key& key) const {
  std::lock_guard guard{mutex_};
  auto i = services_.find(key);
  if (i == services_.end())
    return std::nullopt;
  return i->second;
}

std::vector<service_spec> api_server::services() const {
  std::lock_guard guard{mutex_};
  std::vector<service_spec> result;
  for (const auto& [key, s] : services_)
    result.push_back(s);
  return result;
}

std::vector<node_description> api_server::nodes() const {
  std::lock_guard guard{mutex_};
  std::vector<node_description> result;
  for (const auto& [name, n] : nodes_)
    result.push_back(n);
  return result;
}

std::string api_server::ip_of(const service_key& key) const {
  std::lock_guard guard{mutex_};
  auto i = services_.find(key);
  return i == services_.end() || i->second.ingress_ips.empty() ? std::string{}
                                                               : i->second.ingress_ips.front();
}

uint64_t api_server::writes() const {
  std::lock_guard guard{mutex_};
  return writes_;
}

std::vector<std::string> api_server::reasons(const service_key& key) const {
  std::lock_guard guard{mutex_};
  std::vector<std::string> out;
  if (auto i = events_.find(key); i != events_.end())
    for (const auto& e : i->second)
      out.push_back(e.reason);
  return out;
}

std::map<service_key, std::vector<service_event>> api_server::events() const {
  std::lock_guard guard{mutex_};
  return events_;
}

void api_server::write_status(const service_status& status, done_fn done) {
  caf::error result;
  {
    std::lock_guard guard{mutex_};
    auto i = services_.find(status.key);
    if (i == services_.end()) {
      // Gone already: dropping the finalizer of a missing object is no error (status_sink).
      if (status.finalizer_wanted)
        result =
          caf::make_error(kube_errc::not_found, "services \"" + status.key.name + "\" not found");
    } else if (i->second.deletion_requested && status.finalizer_wanted
               && !i->second.has_finalizer) {
      // The API server refuses new finalizers on an object that is being deleted.
      result = caf::make_error(kube_errc::invalid, std::string{"object is being deleted"});
    } else {
      ++writes_;
      auto& svc = i->second;
      svc.has_finalizer = status.finalizer_wanted;
      svc.ingress_ips = status.external_ip.empty() ? std::vector<std::string>{}
                                                   : std::vector<std::string>{status.external_ip};
      if (svc.deletion_requested && !svc.has_finalizer) {
        // The last finalizer is gone: the object goes, and the watch reports DELETED.
        auto key = svc.key;
        services_.erase(i);
        if (engine_ != nullptr)
          engine_->delete_service(key);
      } else {
        send_locked(svc); // the watch echoes the write (MODIFIED)
      }
    }
  }
  done(std::move(result));
}

void api_server::record_event(const service_event& event) {
  std::lock_guard guard{mutex_};
  events_[event.key].push_back(event);
}

} // namespace vcdlb::integration
