// Object operations of api_core: create, update, patch, delete and the finalizer rules.
// Every function here runs with api_core::mtx_ held.

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "adapters/kube/sim/api_core.hpp"
#include "adapters/kube/sim/detail/json_util.hpp"
#include "adapters/kube/sim/detail/request_parts.hpp"
#include "adapters/kube/sim/detail/time.hpp"
#include "adapters/kube/sim/patch.hpp"

namespace vcdlb::kube::sim {

namespace json = boost::json;

namespace {

bool is_namespace(const resource_info& r) {
  return r.group.empty() && r.name == "namespaces";
}

bool is_service(const resource_info& r) {
  return r.group.empty() && r.name == "services";
}

json::array finalizers_of(const json::object& obj) {
  const auto* meta = detail::child(obj, "metadata");
  const auto* f = meta != nullptr ? meta->if_contains("finalizers") : nullptr;
  return f != nullptr && f->is_array() ? f->as_array() : json::array{};
}

bool is_terminating(const json::object& obj) {
  const auto* meta = detail::child(obj, "metadata");
  return meta != nullptr && meta->contains("deletionTimestamp")
         && !meta->at("deletionTimestamp").is_null();
}

// "the server does not allow ..." style 400s for a body that does not fit the request.
result<bool> check_identity(const resource_info& r, const json::object& obj,
                            const std::string& ns) {
  auto api_version = detail::str(obj, "apiVersion");
  auto kind = detail::str(obj, "kind");
  if ((!api_version.empty() && api_version != r.api_version()) || (!kind.empty() && kind != r.kind))
    return bad_request("the API version in the data (" + std::string{api_version}
                       + ") does not match the expected API version (" + r.api_version() + ")");
  auto obj_ns = detail::meta_str(obj, "namespace");
  if (r.namespaced && !obj_ns.empty() && obj_ns != ns)
    return bad_request("the namespace of the provided object does not match the namespace sent "
                       "on the request");
  return true;
}

// apimachinery's ValidateAnnotations: keys plus values at most 256 KiB in total (422).
result<bool> check_annotations(const resource_info& r, const json::object& obj) {
  constexpr size_t limit = 256 * 1024;
  const auto* meta = obj.if_contains("metadata");
  const auto* annotations =
    meta != nullptr && meta->is_object() ? meta->as_object().if_contains("annotations") : nullptr;
  if (annotations == nullptr || !annotations->is_object())
    return true;
  size_t total = 0;
  for (const auto& [k, v] : annotations->as_object())
    total += k.size() + (v.is_string() ? v.as_string().size() : 0);
  if (total > limit)
    return invalid(r.group, r.kind, detail::meta_str(obj, "name"), "metadata.annotations",
                   "FieldValueTooLong",
                   "Too long: must have at most " + std::to_string(limit) + " bytes");
  return true;
}

} // namespace

sim_clock::time_point api_core::now() const {
  return opts_.clock ? opts_.clock() : sim_clock::now();
}

std::string api_core::make_uid() {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20)
      out += '-';
    unsigned nibble = static_cast<unsigned>(rng_() & 0xf);
    if (i == 12)
      nibble = 4; // version 4
    if (i == 16)
      nibble = 8 | (nibble & 3); // variant 10xx
    out += hex[nibble];
  }
  return out;
}

std::string api_core::make_suffix() {
  static constexpr char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (int i = 0; i < 5; ++i)
    out += alphabet[rng_() % (sizeof alphabet - 1)];
  return out;
}

result<json::object> api_core::do_create(const resource_info& r, const std::string& ns,
                                         json::object obj) {
  if (auto ok = check_identity(r, obj, ns); !ok)
    return ok.error();
  if (auto ok = check_annotations(r, obj); !ok)
    return ok.error();
  obj["apiVersion"] = r.api_version();
  obj["kind"] = r.kind;
  auto& meta = detail::child_mut(obj, "metadata");
  std::string name{detail::str(meta, "name")};
  if (name.empty()) {
    auto prefix = detail::str(meta, "generateName");
    if (prefix.empty())
      return invalid(r.group, r.kind, "", "metadata.name", "FieldValueRequired",
                     "Required value: name or generateName is required");
    name = std::string{prefix} + make_suffix();
    meta["name"] = name;
  }
  if (r.namespaced) {
    meta["namespace"] = ns;
    if (store_.find(*find_resource("", "v1", "namespaces"), "", ns) == nullptr)
      return not_found("", "namespaces", ns);
  } else {
    meta.erase("namespace");
  }
  if (store_.find(r, r.namespaced ? ns : "", name) != nullptr)
    return already_exists(r.group, r.name, name);
  meta.erase("resourceVersion");
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta["uid"] = make_uid();
  meta["creationTimestamp"] = detail::rfc3339(now());
  if (is_service(r)) {
    auto prepared = prepare_service_create(std::move(obj), alloc_);
    if (!prepared)
      return prepared.error();
    obj = std::move(*prepared);
  } else if (is_namespace(r)) {
    json::object spec;
    spec["finalizers"] = json::array{"kubernetes"};
    obj["spec"] = std::move(spec);
    json::object status;
    status["phase"] = "Active";
    obj["status"] = std::move(status);
  } else if (r.kind == "EndpointSlice") {
    if (detail::str(obj, "addressType").empty())
      return invalid(r.group, r.kind, name, "addressType", "FieldValueRequired", "Required value");
    if (!obj.contains("endpoints"))
      obj["endpoints"] = json::array{};
  } else if (r.kind == "Event") {
    if (!obj.contains("involvedObject") || !obj["involvedObject"].is_object())
      return invalid(r.group, r.kind, name, "involvedObject", "FieldValueRequired",
                     "Required value");
  }
  return store_.put(r, std::move(obj), now());
}

result<json::object> api_core::commit_update(const resource_info& r, const json::object& old,
                                             json::object obj, bool status) {
  auto name = std::string{detail::meta_str(old, "name")};
  const auto& old_meta = old.at("metadata").as_object();
  auto& meta = detail::child_mut(obj, "metadata");
  if (detail::str(meta, "name") != name)
    return bad_request("the name of the object (" + std::string{detail::str(meta, "name")}
                       + ") does not match the name on the URL (" + name + ")");
  auto sent_rv = detail::str(meta, "resourceVersion");
  auto old_rv = detail::str(old_meta, "resourceVersion");
  if (!sent_rv.empty() && sent_rv != old_rv)
    return conflict(r.group, r.name, name);
  if (sent_rv.empty() && !r.unconditional_update)
    return invalid(r.group, r.kind, name, "metadata.resourceVersion", "FieldValueInvalid",
                   "Invalid value: 0x0: must be specified for an update");
  // Server-owned metadata.
  for (const char* key : {"uid", "creationTimestamp", "namespace", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation"}) {
    if (const auto* v = old_meta.if_contains(key))
      meta[key] = *v;
    else
      meta.erase(key);
  }
  meta["resourceVersion"] = old_rv;
  obj["apiVersion"] = r.api_version();
  obj["kind"] = r.kind;
  if (auto ok = check_annotations(r, obj); !ok)
    return ok.error();
  if (is_terminating(old)) {
    auto before = finalizers_of(old);
    for (const auto& f : finalizers_of(obj))
      if (std::find(before.begin(), before.end(), f) == before.end())
        return invalid(r.group, r.kind, name, "metadata.finalizers", "FieldValueForbidden",
                       "Forbidden: no new finalizers can be added if the object is being deleted");
  }
  if (r.kind == "Node" && !status) {
    // kube-apiserver's ValidateNodeUpdate: spec.providerID may go from "" to a value, never
    // change after that (the cloud provider's node duties rely on it).
    const auto* old_spec = old.if_contains("spec");
    const auto* new_spec = obj.if_contains("spec");
    auto old_id = old_spec != nullptr && old_spec->is_object()
                    ? std::string{detail::str(old_spec->as_object(), "providerID")}
                    : std::string{};
    auto new_id = new_spec != nullptr && new_spec->is_object()
                    ? std::string{detail::str(new_spec->as_object(), "providerID")}
                    : std::string{};
    if (!old_id.empty() && new_id != old_id)
      return invalid(r.group, r.kind, name, "spec.providerID", "FieldValueForbidden",
                     "Forbidden: node updates may not change providerID except from \"\" to "
                     "valid");
  }
  if (is_service(r)) {
    auto prepared = status ? prepare_service_status_update(old, std::move(obj))
                           : prepare_service_update(old, std::move(obj), alloc_);
    if (!prepared)
      return prepared.error();
    obj = std::move(*prepared);
  } else if (r.has_status) {
    const char* keep = status ? "spec" : "status";
    if (const auto* v = old.if_contains(keep))
      obj[keep] = *v;
    else
      obj.erase(keep);
  }
  auto& final_meta = detail::child_mut(obj, "metadata");
  if (auto* f = final_meta.if_contains("finalizers");
      f != nullptr && f->is_array() && f->as_array().empty())
    final_meta.erase("finalizers");
  if (obj == old)
    return obj; // no-op writes keep their revision and emit no event
  if (is_terminating(obj) && finalizers_of(obj).empty()) {
    // The last finalizer is gone: the update completes the deletion.
    return remove_now(r, obj);
  }
  return store_.put(r, std::move(obj), now());
}

json::object api_core::remove_now(const resource_info& r, const json::object& obj) {
  std::string ns{detail::meta_str(obj, "namespace")};
  std::string name{detail::meta_str(obj, "name")};
  if (is_service(r))
    release_service(obj, alloc_);
  if (is_namespace(r)) {
    // The namespace controller's job, done at once: the namespace's objects go first.
    for (const auto& other : all_resources()) {
      if (!other.namespaced)
        continue;
      std::vector<json::object> victims;
      for (const auto* o : store_.list(other, name))
        victims.push_back(*o);
      for (const auto& v : victims) {
        if (is_service(other))
          release_service(v, alloc_);
        store_.erase(other, name, detail::meta_str(v, "name"), now());
      }
    }
  }
  // Like the apiserver, the DELETED event carries the last stored state (an update that
  // removed the last finalizer is not stored first).
  auto gone = store_.erase(r, r.namespaced ? ns : "", name, now());
  return gone ? *gone : obj;
}

result<json::object> api_core::do_update(const resource_info& r, const std::string& ns,
                                         const std::string& name, bool status, json::object obj,
                                         bool& created) {
  created = false;
  if (auto ok = check_identity(r, obj, ns); !ok)
    return ok.error();
  const auto* old = store_.find(r, r.namespaced ? ns : "", name);
  if (old == nullptr) {
    // Services (only) may be created by PUT.
    if (!is_service(r) || status)
      return not_found(r.group, r.name, name);
    if (detail::meta_str(obj, "name") != name)
      return bad_request("the name of the object does not match the name on the URL");
    created = true;
    return do_create(r, ns, std::move(obj));
  }
  json::object before = *old;
  return commit_update(r, before, std::move(obj), status);
}

result<json::object> api_core::do_patch(const resource_info& r, const std::string& ns,
                                        const std::string& name, bool status,
                                        std::string_view content_type, std::string_view body) {
  auto semi = content_type.find(';');
  auto media = content_type.substr(0, semi);
  while (!media.empty() && media.back() == ' ')
    media.remove_suffix(1);
  enum class kind { json_patch, merge, strategic } k;
  if (media == "application/json-patch+json")
    k = kind::json_patch;
  else if (media == "application/merge-patch+json")
    k = kind::merge;
  else if (media == "application/strategic-merge-patch+json")
    k = kind::strategic;
  else
    return unsupported_media_type(detail::valid_utf8(media) ? media : std::string_view{"?"});
  boost::system::error_code ec;
  json::value patch = json::parse(body, ec);
  if (ec)
    return bad_request("error decoding patch: " + ec.message());
  const auto* old = store_.find(r, r.namespaced ? ns : "", name);
  if (old == nullptr)
    return not_found(r.group, r.name, name);
  json::object before = *old;
  json::value patched;
  switch (k) {
  case kind::json_patch: {
    auto res = json_patch(before, patch);
    if (!res)
      return res.error();
    patched = std::move(*res);
    break;
  }
  case kind::merge:
    if (!patch.is_object())
      return bad_request("merge patch must be a JSON object");
    patched = merge_patch(before, patch);
    break;
  case kind::strategic: {
    auto res = strategic_merge_patch(before, patch);
    if (!res)
      return res.error();
    patched = std::move(*res);
    break;
  }
  }
  if (!patched.is_object())
    return bad_request("the patch does not result in an object");
  return commit_update(r, before, std::move(patched.as_object()), status);
}

result<json::object> api_core::do_delete(const resource_info& r, const std::string& ns,
                                         const std::string& name, const json::object* options) {
  const auto* stored = store_.find(r, r.namespaced ? ns : "", name);
  if (stored == nullptr)
    return not_found(r.group, r.name, name);
  json::object obj = *stored;
  if (is_namespace(r) && (name == "default" || name == "kube-system" || name == "kube-public"))
    return api_error{403,
                     "Forbidden",
                     "namespaces \"" + name + "\" is forbidden: this namespace may not be deleted",
                     {},
                     0};
  if (options != nullptr) {
    if (const auto* pre = detail::child(*options, "preconditions")) {
      auto uid = detail::str(*pre, "uid");
      auto rv = detail::str(*pre, "resourceVersion");
      if (!uid.empty() && uid != detail::meta_str(obj, "uid"))
        return conflict_message(r.group, r.name, name,
                                "Precondition failed: UID in precondition: " + std::string{uid}
                                  + ", UID in object meta: "
                                  + std::string{detail::meta_str(obj, "uid")});
      if (!rv.empty() && rv != detail::meta_str(obj, "resourceVersion"))
        return conflict_message(r.group, r.name, name,
                                "Precondition failed: ResourceVersion in precondition: "
                                  + std::string{rv} + ", ResourceVersion in object meta: "
                                  + std::string{detail::meta_str(obj, "resourceVersion")});
    }
  }
  if (!finalizers_of(obj).empty()) {
    if (is_terminating(obj))
      return obj;
    auto& meta = detail::child_mut(obj, "metadata");
    meta["deletionTimestamp"] = detail::rfc3339(now());
    meta["deletionGracePeriodSeconds"] = 0;
    return store_.put(r, std::move(obj), now());
  }
  auto gone = remove_now(r, obj);
  json::object details;
  details["name"] = name;
  if (!r.group.empty())
    details["group"] = r.group;
  details["kind"] = r.name;
  details["uid"] = detail::meta_str(gone, "uid");
  return success_status(std::move(details));
}

} // namespace vcdlb::kube::sim
