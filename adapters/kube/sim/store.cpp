#include "adapters/kube/sim/store.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>

#include "adapters/kube/sim/detail/json_util.hpp"

namespace vcdlb::kube::sim {

namespace json = boost::json;

namespace {

std::string object_key(std::string_view ns, std::string_view name) {
  std::string key{ns};
  key += '/';
  key += name;
  return key;
}

std::string key_of(const json::object& obj) {
  return object_key(detail::meta_str(obj, "namespace"), detail::meta_str(obj, "name"));
}

// Events of core/v1, the kind kube-apiserver stores with a TTL.
bool is_core_event(const resource_info& r) {
  return r.group.empty() && r.name == "events";
}

void set_rv(json::object& obj, uint64_t rv) {
  detail::child_mut(obj, "metadata")["resourceVersion"] = std::to_string(rv);
}

} // namespace

bool matches(const watch_spec& spec, const json::object& obj) {
  if (!spec.ns.empty() && detail::meta_str(obj, "namespace") != spec.ns)
    return false;
  const auto* meta = detail::child(obj, "metadata");
  const auto* labels = meta != nullptr ? detail::child(*meta, "labels") : nullptr;
  return spec.labels.matches(labels) && spec.fields.matches(obj);
}

store::store(store_options opts) : opts_(opts) {
  // nop
}

const json::object* store::find(const resource_info& r, std::string_view ns,
                                std::string_view name) const {
  auto res = objects_.find(r.id());
  if (res == objects_.end())
    return nullptr;
  auto it = res->second.find(object_key(ns, name));
  return it != res->second.end() ? &it->second : nullptr;
}

std::vector<const json::object*> store::list(const resource_info& r, std::string_view ns) const {
  std::vector<const json::object*> out;
  auto res = objects_.find(r.id());
  if (res == objects_.end())
    return out;
  for (const auto& [key, obj] : res->second)
    if (ns.empty() || detail::meta_str(obj, "namespace") == ns)
      out.push_back(&obj);
  return out;
}

result<std::vector<json::object>> store::list_at(const resource_info& r, std::string_view ns,
                                                 uint64_t rv) const {
  if (rv < compacted_rv_)
    return expired("The resourceVersion for the provided list is too old.");
  std::map<std::string, json::object> state;
  for (const auto* obj : list(r, ns))
    state.emplace(key_of(*obj), *obj);
  // Undo the events after `rv`, newest first.
  auto id = r.id();
  for (auto it = history_.rbegin(); it != history_.rend() && it->rv > rv; ++it) {
    if (it->resource != id)
      continue;
    const json::object& subject = it->previous ? *it->previous : it->object;
    if (!ns.empty() && detail::meta_str(subject, "namespace") != ns)
      continue;
    auto key = key_of(subject);
    if (it->type == event_type::added)
      state.erase(key);
    else
      state[key] = *it->previous;
  }
  std::vector<json::object> out;
  out.reserve(state.size());
  for (auto& [key, obj] : state)
    out.push_back(std::move(obj));
  return out;
}

json::object store::put(const resource_info& r, json::object obj, sim_clock::time_point now) {
  now_ = now;
  set_rv(obj, ++rv_);
  auto& slot = objects_[r.id()];
  auto key = key_of(obj);
  history_event ev;
  ev.rv = rv_;
  ev.resource = r.id();
  ev.at = now;
  if (auto it = slot.find(key); it != slot.end()) {
    ev.type = event_type::modified;
    ev.previous = std::move(it->second);
    it->second = obj;
  } else {
    ev.type = event_type::added;
    slot.emplace(key, obj);
  }
  if (is_core_event(r) && opts_.event_ttl.count() > 0) {
    auto expires = now + opts_.event_ttl;
    event_expires_[key] = expires;
    event_expiry_order_.emplace(expires, std::pair{std::string{detail::meta_str(obj, "namespace")},
                                                   std::string{detail::meta_str(obj, "name")}});
  }
  ev.object = obj;
  record(std::move(ev), now);
  return obj;
}

std::optional<json::object> store::erase(const resource_info& r, std::string_view ns,
                                         std::string_view name, sim_clock::time_point now) {
  now_ = now;
  auto res = objects_.find(r.id());
  if (res == objects_.end())
    return std::nullopt;
  auto it = res->second.find(object_key(ns, name));
  if (it == res->second.end())
    return std::nullopt;
  if (is_core_event(r))
    event_expires_.erase(it->first);
  history_event ev;
  ev.rv = ++rv_;
  ev.resource = r.id();
  ev.type = event_type::deleted;
  ev.at = now;
  ev.previous = std::move(it->second);
  res->second.erase(it);
  ev.object = *ev.previous;
  set_rv(ev.object, ev.rv);
  json::object last = ev.object;
  record(std::move(ev), now);
  return last;
}

void store::record(history_event ev, sim_clock::time_point now) {
  history_.push_back(std::move(ev));
  const auto& stored = history_.back();
  for (auto& w : watchers_)
    if (!w.dead && w.spec.resource->id() == stored.resource)
      deliver(w, stored);
  reap();
  compact(now);
}

void store::deliver(watcher& w, const history_event& ev) {
  switch (ev.type) {
  case event_type::added:
    if (matches(w.spec, ev.object))
      send(w, "ADDED", ev.object);
    break;
  case event_type::deleted:
    if (matches(w.spec, ev.object))
      send(w, "DELETED", ev.object);
    break;
  case event_type::modified: {
    bool now_matches = matches(w.spec, ev.object);
    bool was_matching = ev.previous && matches(w.spec, *ev.previous);
    if (now_matches && was_matching) {
      send(w, "MODIFIED", ev.object);
    } else if (now_matches) {
      send(w, "ADDED", ev.object);
    } else if (was_matching) {
      // Leaving the selection: the old content with the new revision.
      json::object gone = *ev.previous;
      set_rv(gone, ev.rv);
      send(w, "DELETED", gone);
    }
    break;
  }
  }
}

bool store::send(watcher& w, const char* type, const json::object& obj) {
  if (w.dead)
    return false;
  json::object frame;
  frame["type"] = type;
  std::string_view t{type};
  if (w.spec.table && (t == "ADDED" || t == "MODIFIED" || t == "DELETED")) {
    const json::object* row[] = {&obj};
    frame["object"] = make_table(*w.spec.resource, row, now_, !w.sent_columns, w.spec.table_include,
                                 detail::meta_str(obj, "resourceVersion"));
    w.sent_columns = true;
  } else {
    frame["object"] = obj;
  }
  std::string line = json::serialize(frame);
  line += '\n';
  if (!w.out->write(std::move(line)))
    w.dead = true;
  return !w.dead;
}

void store::send_bookmark(watcher& w, bool initial_events_end) {
  json::object obj;
  obj["kind"] = w.spec.resource->kind;
  obj["apiVersion"] = w.spec.resource->api_version();
  json::object meta;
  meta["resourceVersion"] = std::to_string(rv_);
  if (initial_events_end)
    meta["annotations"] = json::object{{"k8s.io/initial-events-end", "true"}};
  obj["metadata"] = std::move(meta);
  send(w, "BOOKMARK", obj);
}

void store::watch(watch_spec spec, std::shared_ptr<http::response_writer> out,
                  sim_clock::time_point now) {
  now_ = now;
  watcher w{std::move(spec), std::move(out), now + opts_.bookmark_interval, false, false};
  if (w.spec.initial_events)
    w.spec.from_rv.reset();
  if (w.spec.from_rv) {
    uint64_t from = *w.spec.from_rv;
    if (from < compacted_rv_) {
      api_error err = expired("too old resource version: " + std::to_string(from) + " ("
                              + std::to_string(compacted_rv_ + 1) + ")");
      send(w, "ERROR", status_body(err));
      w.out->finish();
      return;
    }
    auto id = w.spec.resource->id();
    for (const auto& ev : history_)
      if (ev.rv > from && ev.resource == id)
        deliver(w, ev);
  } else {
    for (const auto* obj : list(*w.spec.resource, w.spec.ns))
      if (matches(w.spec, *obj))
        send(w, "ADDED", *obj);
    if (w.spec.initial_events)
      send_bookmark(w, true);
  }
  if (!w.dead)
    watchers_.push_back(std::move(w));
}

void store::tick(sim_clock::time_point now) {
  now_ = now;
  for (auto& w : watchers_) {
    if (w.dead)
      continue;
    if (w.out->closed()) {
      w.dead = true;
      continue;
    }
    if (now >= w.spec.deadline) {
      if (w.spec.bookmarks)
        send_bookmark(w);
      w.out->finish();
      w.dead = true;
      continue;
    }
    if (w.spec.bookmarks && now >= w.next_bookmark) {
      send_bookmark(w);
      w.next_bookmark = now + opts_.bookmark_interval;
    }
  }
  expire_events(now);
  reap();
  compact(now);
}

void store::expire_events(sim_clock::time_point now) {
  const auto* events = find_resource("", "v1", "events");
  while (!event_expiry_order_.empty() && event_expiry_order_.begin()->first <= now) {
    auto node = event_expiry_order_.extract(event_expiry_order_.begin());
    const auto& [ns, name] = node.mapped();
    auto i = event_expires_.find(object_key(ns, name));
    if (i == event_expires_.end() || i->second != node.key())
      continue; // written again since (a later entry holds its expiry) or already deleted
    erase(*events, ns, name, now);
  }
}

void store::drop_watches() {
  for (auto& w : watchers_)
    if (!w.dead)
      w.out->abort();
  watchers_.clear();
}

void store::finish_watches() {
  for (auto& w : watchers_)
    if (!w.dead)
      w.out->finish();
  watchers_.clear();
}

void store::expire_history() {
  history_.clear();
  compacted_rv_ = rv_;
}

void store::compact(sim_clock::time_point now) {
  while (!history_.empty()
         && (history_.size() > opts_.history_capacity
             || history_.front().at + opts_.history_age < now)) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
}

void store::reap() {
  std::erase_if(watchers_, [](const watcher& w) { return w.dead; });
}

} // namespace vcdlb::kube::sim
