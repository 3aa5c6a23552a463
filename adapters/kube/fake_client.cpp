#include "adapters/kube/fake_client.hpp"

#include <algorithm>
#include <charconv>

#include "protocol/errors.hpp"

namespace vcdlb::kube {

namespace {

using queue_type = std::deque<std::function<void()>>;

std::optional<uint64_t> parse_rv(std::string_view s) {
  uint64_t x = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc{} || p != s.data() + s.size())
    return std::nullopt;
  return x;
}

template <class T>
std::string ns_of(const T& x) {
  if constexpr (std::is_same_v<T, node_snapshot>)
    return {};
  else
    return x.ns;
}

template <class T>
struct watch_record : watch_handle {
  using object_type = T;
  std::weak_ptr<queue_type> queue;
  watch_options opts;
  watch_handler<T> handler;
  bool ended = false;         // no more events will be queued
  bool end_delivered = false; // on_end ran

  void end(caf::error err) {
    if (ended)
      return;
    ended = true;
    if (auto q = queue.lock())
      q->push_back([self = this, keep = shared_from_this_(), err = std::move(err)] {
        if (self->end_delivered)
          return;
        self->end_delivered = true;
        self->handler.on_end(err);
      });
  }

  void send(watch_event<T> ev) {
    if (ended)
      return;
    if (auto q = queue.lock())
      q->push_back([self = this, keep = shared_from_this_(), ev = std::move(ev)]() mutable {
        if (self->end_delivered)
          return;
        self->handler.on_event(std::move(ev));
      });
  }

  void cancel() override { end(caf::make_error(net_errc::cancelled)); }

  std::weak_ptr<watch_record> self_ref;
  std::shared_ptr<watch_record> shared_from_this_() { return self_ref.lock(); }
};

template <class T>
struct kind_store {
  struct logged {
    uint64_t rv;
    watch_event_type type;
    T object;
  };
  std::map<std::string, T> objects;
  std::deque<logged> history;
  uint64_t dropped_up_to = 0; // watches from an RV below this get 410
  std::vector<std::shared_ptr<watch_record<T>>> watches;

  void prune_watches() {
    std::erase_if(watches, [](const auto& w) { return w->ended; });
  }
};

} // namespace

struct fake_client::state {
  uint64_t rv = 100;
  size_t history_limit = 1000;
  uint64_t uid_counter = 0;
  std::shared_ptr<queue_type> queue = std::make_shared<queue_type>();
  kind_store<service_snapshot> services;
  kind_store<node_snapshot> nodes;
  kind_store<endpoint_slice_snapshot> slices;
  std::map<std::string, lease> leases;
  std::map<std::string, event> events;

  template <class T>
  void record(kind_store<T>& ks, watch_event_type type, const T& obj) {
    ks.history.push_back({rv, type, obj});
    while (ks.history.size() > history_limit) {
      ks.dropped_up_to = ks.history.front().rv;
      ks.history.pop_front();
    }
    ks.prune_watches();
    for (auto& w : ks.watches) {
      if (!w->opts.ns.empty() && w->opts.ns != ns_of(obj))
        continue;
      w->send(watch_event<T>{type, obj, obj.resource_version, {}});
    }
  }

  // Stores `obj` (create or replace); a byte-identical replacement is a no-op.
  template <class T>
  T put(kind_store<T>& ks, T obj) {
    auto key = object_key(obj);
    auto i = ks.objects.find(key);
    if (i != ks.objects.end()) {
      obj.uid = i->second.uid;
      obj.resource_version = i->second.resource_version;
      if (obj == i->second)
        return obj;
    } else if (obj.uid.empty()) {
      obj.uid = "uid-" + std::to_string(++uid_counter);
    }
    obj.resource_version = std::to_string(++rv);
    auto type = i == ks.objects.end() ? watch_event_type::added : watch_event_type::modified;
    ks.objects.insert_or_assign(key, obj);
    record(ks, type, obj);
    return obj;
  }

  template <class T>
  void remove(kind_store<T>& ks, const std::string& key) {
    auto i = ks.objects.find(key);
    if (i == ks.objects.end())
      return;
    auto obj = std::move(i->second);
    ks.objects.erase(i);
    obj.resource_version = std::to_string(++rv);
    record(ks, watch_event_type::deleted, obj);
  }

  template <class T>
  list_result<T> list(kind_store<T>& ks, const list_options& opts) {
    list_result<T> out;
    size_t offset = 0;
    out.resource_version = std::to_string(rv);
    if (!opts.continue_token.empty()) {
      // Token: "<offset>:<rv of the first page>".
      auto colon = opts.continue_token.find(':');
      offset = parse_rv(opts.continue_token.substr(0, colon)).value_or(0);
      out.resource_version = opts.continue_token.substr(colon + 1);
    }
    size_t index = 0;
    for (const auto& [key, obj] : ks.objects) {
      if (!opts.ns.empty() && ns_of(obj) != opts.ns)
        continue;
      if (index++ < offset)
        continue;
      if (opts.limit > 0 && out.items.size() == static_cast<size_t>(opts.limit)) {
        out.continue_token = std::to_string(index - 1) + ":" + out.resource_version;
        break;
      }
      out.items.push_back(obj);
    }
    return out;
  }

  template <class T>
  watch_ptr watch(kind_store<T>& ks, watch_options opts, watch_handler<T> h, caf::error fault) {
    auto w = std::make_shared<watch_record<T>>();
    w->self_ref = w;
    w->queue = queue;
    w->opts = std::move(opts);
    w->handler = std::move(h);
    if (fault) {
      w->end(std::move(fault));
      return w;
    }
    const auto& rv_text = w->opts.resource_version;
    if (rv_text.empty() || rv_text == "0") {
      for (const auto& [key, obj] : ks.objects)
        if (w->opts.ns.empty() || ns_of(obj) == w->opts.ns)
          w->send({watch_event_type::added, obj, obj.resource_version, {}});
    } else {
      auto from = parse_rv(rv_text);
      if (!from) {
        w->end(caf::make_error(kube_errc::bad_request,
                               std::string{"invalid resourceVersion \""} + rv_text + "\""));
        return w;
      }
      if (*from < ks.dropped_up_to) {
        watch_event<T> gone;
        gone.type = watch_event_type::error;
        gone.error =
          caf::make_error(kube_errc::gone, "too old resource version: " + std::to_string(*from)
                                             + " (" + std::to_string(ks.dropped_up_to) + ")");
        w->send(std::move(gone));
        w->end({});
        return w;
      }
      for (const auto& e : ks.history)
        if (e.rv > *from && (w->opts.ns.empty() || ns_of(e.object) == w->opts.ns))
          w->send({e.type, e.object, e.object.resource_version, {}});
    }
    ks.watches.push_back(w);
    return w;
  }

  template <class F>
  void each_watch(F f) {
    services.prune_watches();
    nodes.prune_watches();
    slices.prune_watches();
    for (auto& w : services.watches)
      f(*w);
    for (auto& w : nodes.watches)
      f(*w);
    for (auto& w : slices.watches)
      f(*w);
  }
};

fake_client::fake_client() : st_(std::make_unique<state>()) {}

fake_client::~fake_client() = default;

void fake_client::post(std::function<void()> f) {
  st_->queue->push_back(std::move(f));
}

caf::error fake_client::injected(const std::string& op) {
  if (auto i = fail_next_.find(op); i != fail_next_.end() && !i->second.empty()) {
    auto err = std::move(i->second.front());
    i->second.pop_front();
    return err;
  }
  if (auto i = fail_always_.find(op); i != fail_always_.end())
    return i->second;
  return {};
}

void fake_client::fail_next(const std::string& op, caf::error err, int times) {
  for (int i = 0; i < times; ++i)
    fail_next_[op].push_back(err);
}

void fake_client::fail_always(const std::string& op, caf::error err) {
  if (err)
    fail_always_[op] = std::move(err);
  else
    fail_always_.erase(op);
}

size_t fake_client::run() {
  size_t n = 0;
  auto q = st_->queue;
  while (!q->empty()) {
    auto f = std::move(q->front());
    q->pop_front();
    f();
    ++n;
  }
  return n;
}

namespace {

std::string describe_list(const char* op, const list_options& o) {
  std::string s = op;
  s += " rv=" + o.resource_version;
  if (o.limit > 0)
    s += " limit=" + std::to_string(o.limit);
  if (!o.continue_token.empty())
    s += " continue";
  return s;
}

caf::error not_found(std::string_view resource, std::string_view name) {
  return caf::make_error(kube_errc::not_found,
                         std::string{resource} + " \"" + std::string{name} + "\" not found");
}

caf::error conflict(std::string_view resource, std::string_view name) {
  return caf::make_error(kube_errc::conflict,
                         "Operation cannot be fulfilled on " + std::string{resource} + " \""
                           + std::string{name}
                           + "\": the object has been modified; please apply your changes to "
                             "the latest version and try again");
}

// The apiserver defaults ipMode for ingress entries that have an IP.
void default_ip_mode(std::vector<lb_ingress>& ingress) {
  for (auto& in : ingress)
    if (!in.ip.empty() && in.ip_mode.empty())
      in.ip_mode = "VIP";
}

} // namespace

// -- Services ---------------------------------------------------------------------------------

void fake_client::list_services(list_options opts, callback<list_result<service_snapshot>> done) {
  calls_.push_back(describe_list("list_services", opts));
  if (auto err = injected("list_services"))
    return post([done, err] { done(err); });
  post([done, r = st_->list(st_->services, opts)] { done(r); });
}

watch_ptr fake_client::watch_services(watch_options opts, watch_handler<service_snapshot> h) {
  calls_.push_back("watch_services rv=" + opts.resource_version);
  return st_->watch(st_->services, std::move(opts), std::move(h), injected("watch_services"));
}

void fake_client::get_service(service_key key, callback<service_snapshot> done) {
  calls_.push_back("get_service " + to_string(key));
  if (auto err = injected("get_service"))
    return post([done, err] { done(err); });
  auto i = st_->services.objects.find(to_string(key));
  if (i == st_->services.objects.end())
    return post([done, key] { done(not_found("services", key.name)); });
  post([done, s = i->second] { done(s); });
}

void fake_client::patch_service_status(service_key key, std::vector<lb_ingress> ingress,
                                       callback<service_snapshot> done) {
  calls_.push_back("patch_service_status " + to_string(key));
  if (auto err = injected("patch_service_status"))
    return post([done, err] { done(err); });
  auto i = st_->services.objects.find(to_string(key));
  if (i == st_->services.objects.end())
    return post([done, key] { done(not_found("services", key.name)); });
  auto s = i->second;
  default_ip_mode(ingress);
  s.ingress = std::move(ingress);
  post([done, stored = st_->put(st_->services, std::move(s))] { done(stored); });
}

void fake_client::patch_service_finalizers(service_key key, std::vector<std::string> finalizers,
                                           std::string resource_version,
                                           callback<service_snapshot> done) {
  calls_.push_back("patch_service_finalizers " + to_string(key));
  if (auto err = injected("patch_service_finalizers"))
    return post([done, err] { done(err); });
  auto i = st_->services.objects.find(to_string(key));
  if (i == st_->services.objects.end())
    return post([done, key] { done(not_found("services", key.name)); });
  auto s = i->second;
  if (!resource_version.empty() && resource_version != s.resource_version)
    return post([done, key] { done(conflict("services", key.name)); });
  if (s.deleting) {
    for (const auto& f : finalizers)
      if (!s.has_finalizer(f))
        return post([done] {
          done(caf::make_error(kube_errc::invalid,
                               std::string{"metadata.finalizers: Forbidden: no new finalizers "
                                           "can be added if the object is being deleted"}));
        });
  }
  s.finalizers = std::move(finalizers);
  if (s.deleting && s.finalizers.empty()) {
    // Removing the last finalizer of a terminating object deletes it.
    st_->services.objects[to_string(key)] = s;
    st_->remove(st_->services, to_string(key));
    s.resource_version = std::to_string(st_->rv);
    return post([done, s] { done(s); });
  }
  post([done, stored = st_->put(st_->services, std::move(s))] { done(stored); });
}

service_snapshot fake_client::put_service(service_snapshot s) {
  default_ip_mode(s.ingress);
  return st_->put(st_->services, std::move(s));
}

void fake_client::delete_service(const service_key& key) {
  auto i = st_->services.objects.find(to_string(key));
  if (i == st_->services.objects.end())
    return;
  if (i->second.finalizers.empty()) {
    st_->remove(st_->services, to_string(key));
    return;
  }
  if (i->second.deleting)
    return;
  auto s = i->second;
  s.deleting = true;
  s.deletion_timestamp = "2024-05-01T10:00:00Z";
  st_->put(st_->services, std::move(s));
}

std::optional<service_snapshot> fake_client::service(const service_key& key) const {
  auto i = st_->services.objects.find(to_string(key));
  if (i == st_->services.objects.end())
    return std::nullopt;
  return i->second;
}

// -- Nodes ------------------------------------------------------------------------------------

void fake_client::list_nodes(list_options opts, callback<list_result<node_snapshot>> done) {
  calls_.push_back(describe_list("list_nodes", opts));
  if (auto err = injected("list_nodes"))
    return post([done, err] { done(err); });
  post([done, r = st_->list(st_->nodes, opts)] { done(r); });
}

watch_ptr fake_client::watch_nodes(watch_options opts, watch_handler<node_snapshot> h) {
  calls_.push_back("watch_nodes rv=" + opts.resource_version);
  return st_->watch(st_->nodes, std::move(opts), std::move(h), injected("watch_nodes"));
}

void fake_client::get_node(std::string name, callback<node_snapshot> done) {
  calls_.push_back("get_node " + name);
  if (auto err = injected("get_node"))
    return post([done, err] { done(err); });
  auto i = st_->nodes.objects.find(name);
  if (i == st_->nodes.objects.end())
    return post([done, name] { done(not_found("nodes", name)); });
  post([done, n = i->second] { done(n); });
}

node_snapshot fake_client::put_node(node_snapshot n) {
  return st_->put(st_->nodes, std::move(n));
}

void fake_client::delete_node(const std::string& name) {
  st_->remove(st_->nodes, name);
}

std::optional<node_snapshot> fake_client::node(const std::string& name) const {
  auto i = st_->nodes.objects.find(name);
  if (i == st_->nodes.objects.end())
    return std::nullopt;
  return i->second;
}

void fake_client::patch_node(std::string name, node_update u, callback<node_snapshot> done) {
  calls_.push_back("patch_node " + name);
  if (auto err = injected("patch_node"))
    return post([done, err] { done(err); });
  auto i = st_->nodes.objects.find(name);
  if (i == st_->nodes.objects.end())
    return post([done, name] { done(not_found("nodes", name)); });
  auto n = i->second;
  if (!u.resource_version.empty() && u.resource_version != n.resource_version)
    return post([done, name] { done(conflict("nodes", name)); });
  if (u.provider_id) {
    // The apiserver allows "" -> value only (nodes-and-legacy-api.md §1.6).
    if (!n.provider_id.empty() && n.provider_id != *u.provider_id)
      return post([done] {
        done(caf::make_error(kube_errc::invalid,
                             std::string{"spec.providerID: Forbidden: node updates may not change "
                                         "providerID except from \"\" to valid"}));
      });
    n.provider_id = *u.provider_id;
  }
  for (const auto& [k, v] : u.labels)
    n.labels[k] = v;
  if (u.taints)
    n.taints = *u.taints;
  post([done, stored = st_->put(st_->nodes, std::move(n))] { done(stored); });
}

void fake_client::patch_node_addresses(std::string name, std::vector<node_address> addresses,
                                       std::string, callback<node_snapshot> done) {
  calls_.push_back("patch_node_addresses " + name);
  if (auto err = injected("patch_node_addresses"))
    return post([done, err] { done(err); });
  auto i = st_->nodes.objects.find(name);
  if (i == st_->nodes.objects.end())
    return post([done, name] { done(not_found("nodes", name)); });
  auto n = i->second;
  n.addresses.clear();
  for (auto& a : addresses)
    if (a.type == "InternalIP" || a.type == "ExternalIP")
      n.addresses.push_back(std::move(a));
  post([done, stored = st_->put(st_->nodes, std::move(n))] { done(stored); });
}

void fake_client::delete_node(std::string name, std::string uid, callback<caf::unit_t> done) {
  calls_.push_back("delete_node " + name);
  if (auto err = injected("delete_node"))
    return post([done, err] { done(err); });
  auto i = st_->nodes.objects.find(name);
  if (i == st_->nodes.objects.end())
    return post([done, name] { done(not_found("nodes", name)); });
  if (!uid.empty() && i->second.uid != uid)
    return post([done, name] { done(conflict("nodes", name)); });
  st_->remove(st_->nodes, name);
  post([done] { done(caf::unit); });
}

// -- EndpointSlices ---------------------------------------------------------------------------

void fake_client::list_endpoint_slices(list_options opts,
                                       callback<list_result<endpoint_slice_snapshot>> done) {
  calls_.push_back(describe_list("list_endpoint_slices", opts));
  if (auto err = injected("list_endpoint_slices"))
    return post([done, err] { done(err); });
  post([done, r = st_->list(st_->slices, opts)] { done(r); });
}

watch_ptr fake_client::watch_endpoint_slices(watch_options opts,
                                             watch_handler<endpoint_slice_snapshot> h) {
  calls_.push_back("watch_endpoint_slices rv=" + opts.resource_version);
  return st_->watch(st_->slices, std::move(opts), std::move(h), injected("watch_endpoint_slices"));
}

endpoint_slice_snapshot fake_client::put_endpoint_slice(endpoint_slice_snapshot s) {
  return st_->put(st_->slices, std::move(s));
}

void fake_client::delete_endpoint_slice(const service_key& key) {
  st_->remove(st_->slices, to_string(key));
}

// -- Events -----------------------------------------------------------------------------------

void fake_client::create_event(event ev, callback<event> done) {
  calls_.push_back("create_event " + ev.ns + "/" + ev.name);
  if (auto err = injected("create_event"))
    return post([done, err] { done(err); });
  auto key = ev.ns + "/" + ev.name;
  if (st_->events.count(key) != 0)
    return post([done, key] {
      done(caf::make_error(kube_errc::already_exists, "events \"" + key + "\" already exists"));
    });
  ev.resource_version = std::to_string(++st_->rv);
  st_->events.emplace(key, ev);
  post([done, ev] { done(ev); });
}

void fake_client::patch_event(service_key key, int32_t count, std::string last_timestamp,
                              std::string message, callback<event> done) {
  calls_.push_back("patch_event " + to_string(key));
  if (auto err = injected("patch_event"))
    return post([done, err] { done(err); });
  auto i = st_->events.find(to_string(key));
  if (i == st_->events.end())
    return post([done, key] { done(not_found("events", key.name)); });
  i->second.count = count;
  i->second.last_timestamp = std::move(last_timestamp);
  i->second.message = std::move(message);
  i->second.resource_version = std::to_string(++st_->rv);
  post([done, ev = i->second] { done(ev); });
}

std::vector<event> fake_client::events() const {
  std::vector<event> out;
  for (const auto& [key, ev] : st_->events)
    out.push_back(ev);
  return out;
}

// -- Leases -----------------------------------------------------------------------------------

void fake_client::get_lease(service_key key, callback<lease> done) {
  calls_.push_back("get_lease " + to_string(key));
  if (auto err = injected("get_lease"))
    return post([done, err] { done(err); });
  auto i = st_->leases.find(to_string(key));
  if (i == st_->leases.end())
    return post([done, key] { done(not_found("leases.coordination.k8s.io", key.name)); });
  post([done, l = i->second] { done(l); });
}

void fake_client::create_lease(lease l, callback<lease> done) {
  calls_.push_back("create_lease " + l.ns + "/" + l.name);
  if (auto err = injected("create_lease"))
    return post([done, err] { done(err); });
  auto key = l.ns + "/" + l.name;
  if (st_->leases.count(key) != 0)
    return post([done, l] {
      done(caf::make_error(kube_errc::already_exists,
                           "leases.coordination.k8s.io \"" + l.name + "\" already exists"));
    });
  l.resource_version = std::to_string(++st_->rv);
  st_->leases.emplace(key, l);
  post([done, l] { done(l); });
}

void fake_client::update_lease(lease l, callback<lease> done) {
  calls_.push_back("update_lease " + l.ns + "/" + l.name);
  if (auto err = injected("update_lease"))
    return post([done, err] { done(err); });
  auto i = st_->leases.find(l.ns + "/" + l.name);
  if (i == st_->leases.end())
    return post([done, l] { done(not_found("leases.coordination.k8s.io", l.name)); });
  if (l.resource_version != i->second.resource_version)
    return post([done, l] { done(conflict("leases.coordination.k8s.io", l.name)); });
  l.resource_version = i->second.resource_version;
  if (!(l == i->second))
    l.resource_version = std::to_string(++st_->rv);
  i->second = l;
  post([done, l] { done(l); });
}

lease fake_client::put_lease(lease l) {
  l.resource_version = std::to_string(++st_->rv);
  st_->leases.insert_or_assign(l.ns + "/" + l.name, l);
  return l;
}

std::optional<lease> fake_client::lease_of(const service_key& key) const {
  auto i = st_->leases.find(to_string(key));
  if (i == st_->leases.end())
    return std::nullopt;
  return i->second;
}

// -- history and watches ----------------------------------------------------------------------

std::string fake_client::resource_version() const {
  return std::to_string(st_->rv);
}

void fake_client::set_history_limit(size_t n) {
  st_->history_limit = n;
}

void fake_client::compact() {
  auto drop = [&](auto& ks) {
    ks.history.clear();
    ks.dropped_up_to = st_->rv;
  };
  drop(st_->services);
  drop(st_->nodes);
  drop(st_->slices);
}

void fake_client::close_watches() {
  st_->each_watch([](auto& w) { w.end({}); });
}

void fake_client::expire_watches() {
  st_->each_watch([](auto& w) {
    watch_event<typename std::decay_t<decltype(w)>::object_type> ev;
    ev.type = watch_event_type::error;
    ev.error = caf::make_error(kube_errc::gone, std::string{"too old resource version"});
    w.send(std::move(ev));
    w.end({});
  });
}

void fake_client::bookmark() {
  auto rv = resource_version();
  st_->each_watch([&](auto& w) {
    if (!w.opts.allow_bookmarks)
      return;
    watch_event<typename std::decay_t<decltype(w)>::object_type> ev;
    ev.type = watch_event_type::bookmark;
    ev.resource_version = rv;
    w.send(std::move(ev));
  });
}

size_t fake_client::open_watches() const {
  size_t n = 0;
  st_->each_watch([&](auto& w) { n += w.ended ? 0 : 1; });
  return n;
}

} // namespace vcdlb::kube
