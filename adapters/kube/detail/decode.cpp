#include "adapters/kube/detail/decode.hpp"

#include <limits>
#include <optional>
#include <string>

#include <simdjson.h>

#include "protocol/errors.hpp"

namespace vcdlb::kube::detail {

namespace {

namespace sj = simdjson::ondemand;
using simdjson::error_code;

// Propagates a simdjson error code out of the enclosing function.
#define VCDLB_TRY(expr)                                                                            \
  do {                                                                                             \
    if (auto try_err_ = (expr); try_err_ != simdjson::SUCCESS)                                     \
      return try_err_;                                                                             \
  } while (false)

caf::error bad_response(std::string what) {
  return caf::make_error(kube_errc::bad_response, std::move(what));
}

caf::error bad_json(error_code e, std::string_view what) {
  return bad_response(std::string{what} + ": " + simdjson::error_message(e));
}

error_code read(sj::value& v, std::string& out);
error_code read(sj::value& v, int64_t& out);
error_code read(sj::value& v, int32_t& out);
error_code read(sj::value& v, bool& out);
error_code read(sj::value& v, std::vector<std::string>& out);
error_code read(sj::value& v, std::map<std::string, std::string>& out);
error_code read(sj::value& v, service_port& p);
error_code read(sj::value& v, port_status& p);
error_code read(sj::value& v, lb_ingress& in);
error_code read(sj::value& v, node_taint& t);
error_code read(sj::value& v, node_address& a);
error_code read(sj::value& v, endpoint& e);
error_code read(sj::value& v, endpoint_port& p);
error_code read(sj::value& v, service_snapshot& s);
error_code read(sj::value& v, node_snapshot& n);
error_code read(sj::value& v, endpoint_slice_snapshot& s);

bool is_null(sj::value& v) {
  sj::json_type t;
  return v.type().get(t) == simdjson::SUCCESS && t == sj::json_type::null;
}

error_code read(sj::value& v, std::string& out) {
  if (is_null(v)) {
    out.clear();
    return simdjson::SUCCESS;
  }
  std::string_view s;
  VCDLB_TRY(v.get_string().get(s));
  out.assign(s);
  return simdjson::SUCCESS;
}

error_code read(sj::value& v, int64_t& out) {
  if (is_null(v)) {
    out = 0;
    return simdjson::SUCCESS;
  }
  return v.get_int64().get(out);
}

error_code read(sj::value& v, int32_t& out) {
  int64_t x = 0;
  VCDLB_TRY(read(v, x));
  if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max())
    return simdjson::NUMBER_OUT_OF_RANGE;
  out = static_cast<int32_t>(x);
  return simdjson::SUCCESS;
}

error_code read(sj::value& v, bool& out) {
  if (is_null(v)) {
    out = false;
    return simdjson::SUCCESS;
  }
  return v.get_bool().get(out);
}

// Calls f(key, value) for every field of the object `v` (null: no fields).
template <class F>
error_code fields(sj::value& v, F&& f) {
  if (is_null(v))
    return simdjson::SUCCESS;
  sj::object obj;
  VCDLB_TRY(v.get_object().get(obj));
  for (auto field : obj) {
    std::string_view key;
    VCDLB_TRY(field.unescaped_key().get(key));
    sj::value val;
    VCDLB_TRY(field.value().get(val));
    VCDLB_TRY(f(key, val));
  }
  return simdjson::SUCCESS;
}

// Calls f(value) for every element of the array `v` (null: none).
template <class F>
error_code elements(sj::value& v, F&& f) {
  if (is_null(v))
    return simdjson::SUCCESS;
  sj::array arr;
  VCDLB_TRY(v.get_array().get(arr));
  for (auto element : arr) {
    sj::value val;
    VCDLB_TRY(element.get(val));
    VCDLB_TRY(f(val));
  }
  return simdjson::SUCCESS;
}

error_code read(sj::value& v, std::vector<std::string>& out) {
  out.clear();
  return elements(v, [&](sj::value& x) {
    std::string s;
    VCDLB_TRY(read(x, s));
    out.push_back(std::move(s));
    return simdjson::SUCCESS;
  });
}

error_code read(sj::value& v, std::map<std::string, std::string>& out) {
  out.clear();
  return fields(v, [&](std::string_view k, sj::value& x) {
    std::string s;
    VCDLB_TRY(read(x, s));
    out.insert_or_assign(std::string{k}, std::move(s));
    return simdjson::SUCCESS;
  });
}

// -- metadata ---------------------------------------------------------------------------------

struct object_meta {
  std::string name;
  std::string ns;
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  std::string deletion_timestamp;
  std::vector<std::string> finalizers;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

error_code read(sj::value& v, object_meta& m) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "name")
      return read(x, m.name);
    if (k == "namespace")
      return read(x, m.ns);
    if (k == "uid")
      return read(x, m.uid);
    if (k == "resourceVersion")
      return read(x, m.resource_version);
    if (k == "generation")
      return read(x, m.generation);
    if (k == "deletionTimestamp")
      return read(x, m.deletion_timestamp);
    if (k == "finalizers")
      return read(x, m.finalizers);
    if (k == "labels")
      return read(x, m.labels);
    if (k == "annotations")
      return read(x, m.annotations);
    return simdjson::SUCCESS;
  });
}

// -- Service ----------------------------------------------------------------------------------

error_code read(sj::value& v, service_port& p) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "name")
      return read(x, p.name);
    if (k == "protocol")
      return read(x, p.protocol);
    if (k == "port")
      return read(x, p.port);
    if (k == "nodePort")
      return read(x, p.node_port);
    if (k == "appProtocol")
      return read(x, p.app_protocol);
    return simdjson::SUCCESS;
  });
}

error_code read(sj::value& v, port_status& p) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "port")
      return read(x, p.port);
    if (k == "protocol")
      return read(x, p.protocol);
    if (k == "error")
      return read(x, p.error);
    return simdjson::SUCCESS;
  });
}

error_code read(sj::value& v, lb_ingress& in) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "ip")
      return read(x, in.ip);
    if (k == "hostname")
      return read(x, in.hostname);
    if (k == "ipMode")
      return read(x, in.ip_mode);
    if (k == "ports")
      return elements(x, [&](sj::value& e) {
        port_status p;
        VCDLB_TRY(read(e, p));
        in.ports.push_back(std::move(p));
        return simdjson::SUCCESS;
      });
    return simdjson::SUCCESS;
  });
}

template <class T>
error_code read_list(sj::value& v, std::vector<T>& out) {
  out.clear();
  return elements(v, [&](sj::value& e) {
    T item;
    VCDLB_TRY(read(e, item));
    out.push_back(std::move(item));
    return simdjson::SUCCESS;
  });
}

error_code read_service_spec(sj::value& v, service_snapshot& s) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "type")
      return read(x, s.type);
    if (k == "loadBalancerClass")
      return read(x, s.load_balancer_class);
    if (k == "loadBalancerIP")
      return read(x, s.load_balancer_ip);
    if (k == "ports")
      return read_list(x, s.ports);
    if (k == "externalTrafficPolicy")
      return read(x, s.external_traffic_policy);
    if (k == "healthCheckNodePort")
      return read(x, s.health_check_node_port);
    if (k == "loadBalancerSourceRanges")
      return read(x, s.load_balancer_source_ranges);
    return simdjson::SUCCESS;
  });
}

error_code read_service_status(sj::value& v, service_snapshot& s) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k != "loadBalancer")
      return simdjson::SUCCESS;
    return fields(x, [&](std::string_view k2, sj::value& y) -> error_code {
      if (k2 == "ingress")
        return read_list(y, s.ingress);
      return simdjson::SUCCESS;
    });
  });
}

void apply_meta(object_meta&& m, service_snapshot& s) {
  s.ns = std::move(m.ns);
  s.name = std::move(m.name);
  s.uid = std::move(m.uid);
  s.resource_version = std::move(m.resource_version);
  s.generation = m.generation;
  s.deleting = !m.deletion_timestamp.empty();
  s.deletion_timestamp = std::move(m.deletion_timestamp);
  s.finalizers = std::move(m.finalizers);
  s.labels = std::move(m.labels);
  s.annotations = std::move(m.annotations);
}

error_code read(sj::value& v, service_snapshot& s) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "metadata") {
      object_meta m;
      VCDLB_TRY(read(x, m));
      apply_meta(std::move(m), s);
      return simdjson::SUCCESS;
    }
    if (k == "spec")
      return read_service_spec(x, s);
    if (k == "status")
      return read_service_status(x, s);
    return simdjson::SUCCESS;
  });
}

// -- Node -------------------------------------------------------------------------------------

error_code read(sj::value& v, node_taint& t) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "key")
      return read(x, t.key);
    if (k == "value")
      return read(x, t.value);
    if (k == "effect")
      return read(x, t.effect);
    return simdjson::SUCCESS;
  });
}

error_code read(sj::value& v, node_address& a) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "type")
      return read(x, a.type);
    if (k == "address")
      return read(x, a.address);
    return simdjson::SUCCESS;
  });
}

error_code read_node_status(sj::value& v, node_snapshot& n) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "addresses") {
      std::vector<node_address> all;
      VCDLB_TRY(read_list(x, all));
      n.addresses.clear();
      for (auto& a : all)
        if (a.type == "InternalIP" || a.type == "ExternalIP")
          n.addresses.push_back(std::move(a));
      return simdjson::SUCCESS;
    }
    if (k == "conditions")
      return elements(x, [&](sj::value& c) {
        std::string type;
        std::string status;
        VCDLB_TRY(fields(c, [&](std::string_view ck, sj::value& cv) -> error_code {
          if (ck == "type")
            return read(cv, type);
          if (ck == "status")
            return read(cv, status);
          return simdjson::SUCCESS;
        }));
        if (type == "Ready")
          n.ready = std::move(status);
        return simdjson::SUCCESS;
      });
    return simdjson::SUCCESS;
  });
}

error_code read(sj::value& v, node_snapshot& n) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "metadata") {
      object_meta m;
      VCDLB_TRY(read(x, m));
      n.name = std::move(m.name);
      n.uid = std::move(m.uid);
      n.resource_version = std::move(m.resource_version);
      n.deleting = !m.deletion_timestamp.empty();
      n.labels = std::move(m.labels);
      if (auto a = m.annotations.find(std::string{provided_node_ip_annotation});
          a != m.annotations.end())
        n.provided_node_ip = std::move(a->second);
      return simdjson::SUCCESS;
    }
    if (k == "spec")
      return fields(x, [&](std::string_view sk, sj::value& sv) -> error_code {
        if (sk == "taints")
          return read_list(sv, n.taints);
        if (sk == "unschedulable")
          return read(sv, n.unschedulable);
        if (sk == "providerID")
          return read(sv, n.provider_id);
        return simdjson::SUCCESS;
      });
    if (k == "status")
      return read_node_status(x, n);
    return simdjson::SUCCESS;
  });
}

// -- EndpointSlice ----------------------------------------------------------------------------

error_code read(sj::value& v, endpoint& e) {
  // The API says an absent ready/serving condition is to be read as true.
  e.ready = true;
  e.serving = true;
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "addresses")
      return read(x, e.addresses);
    if (k == "nodeName")
      return read(x, e.node_name);
    if (k == "conditions")
      return fields(x, [&](std::string_view ck, sj::value& cv) -> error_code {
        if (is_null(cv))
          return simdjson::SUCCESS;
        if (ck == "ready")
          return read(cv, e.ready);
        if (ck == "serving")
          return read(cv, e.serving);
        if (ck == "terminating")
          return read(cv, e.terminating);
        return simdjson::SUCCESS;
      });
    return simdjson::SUCCESS;
  });
}

error_code read(sj::value& v, endpoint_port& p) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "name")
      return read(x, p.name);
    if (k == "protocol")
      return read(x, p.protocol);
    if (k == "port")
      return read(x, p.port);
    return simdjson::SUCCESS;
  });
}

error_code read(sj::value& v, endpoint_slice_snapshot& s) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "metadata") {
      object_meta m;
      VCDLB_TRY(read(x, m));
      s.ns = std::move(m.ns);
      s.name = std::move(m.name);
      s.uid = std::move(m.uid);
      s.resource_version = std::move(m.resource_version);
      if (auto i = m.labels.find(std::string{service_name_label}); i != m.labels.end())
        s.service_name = i->second;
      return simdjson::SUCCESS;
    }
    if (k == "addressType")
      return read(x, s.address_type);
    if (k == "endpoints")
      return read_list(x, s.endpoints);
    if (k == "ports")
      return read_list(x, s.ports);
    return simdjson::SUCCESS;
  });
}

// -- Lease ------------------------------------------------------------------------------------

error_code read(sj::value& v, lease& l) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "metadata") {
      object_meta m;
      VCDLB_TRY(read(x, m));
      l.ns = std::move(m.ns);
      l.name = std::move(m.name);
      l.resource_version = std::move(m.resource_version);
      return simdjson::SUCCESS;
    }
    if (k == "spec")
      return fields(x, [&](std::string_view sk, sj::value& sv) -> error_code {
        if (sk == "holderIdentity")
          return read(sv, l.holder_identity);
        if (sk == "leaseDurationSeconds")
          return read(sv, l.lease_duration_seconds);
        if (sk == "acquireTime")
          return read(sv, l.acquire_time);
        if (sk == "renewTime")
          return read(sv, l.renew_time);
        if (sk == "leaseTransitions")
          return read(sv, l.lease_transitions);
        return simdjson::SUCCESS;
      });
    return simdjson::SUCCESS;
  });
}

// -- Event ------------------------------------------------------------------------------------

error_code read(sj::value& v, object_reference& r) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "kind")
      return read(x, r.kind);
    if (k == "namespace")
      return read(x, r.ns);
    if (k == "name")
      return read(x, r.name);
    if (k == "uid")
      return read(x, r.uid);
    if (k == "apiVersion")
      return read(x, r.api_version);
    if (k == "resourceVersion")
      return read(x, r.resource_version);
    return simdjson::SUCCESS;
  });
}

error_code read(sj::value& v, event& e) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "metadata") {
      object_meta m;
      VCDLB_TRY(read(x, m));
      e.ns = std::move(m.ns);
      e.name = std::move(m.name);
      e.resource_version = std::move(m.resource_version);
      return simdjson::SUCCESS;
    }
    if (k == "involvedObject")
      return read(x, e.involved_object);
    if (k == "reason")
      return read(x, e.reason);
    if (k == "message")
      return read(x, e.message);
    if (k == "type") {
      std::string t;
      VCDLB_TRY(read(x, t));
      e.type = t == "Warning" ? event_type::warning : event_type::normal;
      return simdjson::SUCCESS;
    }
    if (k == "source")
      return fields(x, [&](std::string_view sk, sj::value& sv) -> error_code {
        if (sk == "component")
          return read(sv, e.source_component);
        if (sk == "host")
          return read(sv, e.source_host);
        return simdjson::SUCCESS;
      });
    if (k == "firstTimestamp")
      return read(x, e.first_timestamp);
    if (k == "lastTimestamp")
      return read(x, e.last_timestamp);
    if (k == "count")
      return read(x, e.count);
    return simdjson::SUCCESS;
  });
}

// -- Status -----------------------------------------------------------------------------------

struct status_body {
  std::string kind;
  int32_t code = 0;
  std::string reason;
  std::string message;
  int32_t retry_after_seconds = 0;
  bool too_large_rv = false;
};

error_code read(sj::value& v, status_body& s) {
  return fields(v, [&](std::string_view k, sj::value& x) -> error_code {
    if (k == "kind")
      return read(x, s.kind);
    if (k == "code")
      return read(x, s.code);
    if (k == "reason")
      return read(x, s.reason);
    if (k == "message")
      return read(x, s.message);
    if (k == "details")
      return fields(x, [&](std::string_view dk, sj::value& dv) -> error_code {
        if (dk == "retryAfterSeconds")
          return read(dv, s.retry_after_seconds);
        if (dk == "causes")
          return elements(dv, [&](sj::value& c) {
            return fields(c, [&](std::string_view ck, sj::value& cv) -> error_code {
              if (ck != "reason")
                return simdjson::SUCCESS;
              std::string r;
              VCDLB_TRY(read(cv, r));
              if (r == "ResourceVersionTooLarge")
                s.too_large_rv = true;
              return simdjson::SUCCESS;
            });
          });
        return simdjson::SUCCESS;
      });
    return simdjson::SUCCESS;
  });
}

caf::error status_to_error(const status_body& s) {
  return error_from_status(s.code, s.reason, s.message, s.too_large_rv);
}

// -- documents --------------------------------------------------------------------------------

// Parses `json` as one document whose root is an object and applies `f(sj::value&)`; checks
// that nothing but whitespace follows.
template <class F>
caf::error with_document(std::string_view json, std::string_view what, F&& f) {
  sj::parser parser;
  simdjson::padded_string padded{json};
  sj::document doc;
  if (auto e = parser.iterate(padded).get(doc))
    return bad_json(e, what);
  sj::value root;
  if (auto e = doc.get_value().get(root))
    return bad_json(e, what);
  if (auto e = f(root))
    return bad_json(e, what);
  // In bounds after the root object means more tokens follow (3.0 has no document::at_end).
  const char* where = nullptr;
  if (doc.current_location().get(where) == simdjson::SUCCESS)
    return bad_response(std::string{what} + ": trailing content");
  return {};
}

template <class T>
std::string_view kind_name() {
  if constexpr (std::is_same_v<T, service_snapshot>)
    return "Service";
  else if constexpr (std::is_same_v<T, node_snapshot>)
    return "Node";
  else if constexpr (std::is_same_v<T, endpoint_slice_snapshot>)
    return "EndpointSlice";
  else if constexpr (std::is_same_v<T, lease>)
    return "Lease";
  else
    return "Event";
}

template <class T>
const std::string& name_of(const T& x) {
  return x.name;
}

template <class T>
caf::expected<T> decode_one(std::string_view json) {
  T out;
  if (auto err =
        with_document(json, kind_name<T>(), [&](sj::value& root) { return read(root, out); }))
    return err;
  return out;
}

std::optional<watch_event_type> parse_event_type(std::string_view s) {
  if (s == "ADDED")
    return watch_event_type::added;
  if (s == "MODIFIED")
    return watch_event_type::modified;
  if (s == "DELETED")
    return watch_event_type::deleted;
  if (s == "BOOKMARK")
    return watch_event_type::bookmark;
  if (s == "ERROR")
    return watch_event_type::error;
  return std::nullopt;
}

} // namespace

caf::error error_from_status(int code, std::string_view reason, std::string_view message,
                             bool too_large_rv) {
  std::string detail{message};
  if (detail.empty())
    detail = "HTTP " + std::to_string(code) + (reason.empty() ? "" : " " + std::string{reason});
  auto make = [&](kube_errc c) { return caf::make_error(c, detail); };
  if (reason == "Expired" || reason == "Gone" || code == 410)
    return make(kube_errc::gone);
  if (too_large_rv)
    return make(kube_errc::too_large_rv);
  if (reason == "AlreadyExists")
    return make(kube_errc::already_exists);
  switch (code) {
  case 400:
    return make(kube_errc::bad_request);
  case 401:
    return make(kube_errc::unauthorized);
  case 403:
    return make(kube_errc::forbidden);
  case 404:
    return make(kube_errc::not_found);
  case 409:
    return make(kube_errc::conflict);
  case 422:
    return make(kube_errc::invalid);
  case 429:
    return make(kube_errc::rate_limited);
  default:
    break;
  }
  if (code >= 500)
    return make(kube_errc::unavailable);
  return make(kube_errc::bad_response);
}

caf::error error_from_response(unsigned http_status, std::string_view body) {
  status_body s;
  auto err = with_document(body, "Status", [&](sj::value& root) { return read(root, s); });
  if (err || s.kind != "Status")
    return error_from_status(static_cast<int>(http_status), {}, {});
  if (s.code == 0)
    s.code = static_cast<int32_t>(http_status);
  return status_to_error(s);
}

std::chrono::seconds retry_after_from_status(std::string_view body) {
  status_body s;
  if (with_document(body, "Status", [&](sj::value& root) { return read(root, s); }))
    return std::chrono::seconds{0};
  return std::chrono::seconds{s.retry_after_seconds > 0 ? s.retry_after_seconds : 0};
}

caf::expected<service_snapshot> decode_service(std::string_view json) {
  return decode_one<service_snapshot>(json);
}
caf::expected<node_snapshot> decode_node(std::string_view json) {
  return decode_one<node_snapshot>(json);
}
caf::expected<endpoint_slice_snapshot> decode_endpoint_slice(std::string_view json) {
  return decode_one<endpoint_slice_snapshot>(json);
}
caf::expected<lease> decode_lease(std::string_view json) {
  return decode_one<lease>(json);
}
caf::expected<event> decode_event(std::string_view json) {
  return decode_one<event>(json);
}

template <class T>
caf::expected<T> decode_object(std::string_view json) {
  return decode_one<T>(json);
}

template <class T>
caf::expected<list_result<T>> decode_list(std::string_view json) {
  list_result<T> out;
  auto err = with_document(json, std::string{kind_name<T>()} + "List", [&](sj::value& root) {
    return fields(root, [&](std::string_view k, sj::value& x) -> error_code {
      if (k == "metadata")
        return fields(x, [&](std::string_view mk, sj::value& mv) -> error_code {
          if (mk == "resourceVersion")
            return read(mv, out.resource_version);
          if (mk == "continue")
            return read(mv, out.continue_token);
          return simdjson::SUCCESS;
        });
      if (k == "items")
        return read_list(x, out.items);
      return simdjson::SUCCESS;
    });
  });
  if (err)
    return err;
  return out;
}

template <class T>
caf::expected<watch_event<T>> decode_watch_line(std::string_view line) {
  std::string type_name;
  std::optional<watch_event_type> type;
  T object;
  status_body status;
  std::string deferred; // the object's JSON when it came before "type"
  auto read_object = [&](sj::value& x) -> error_code {
    if (*type == watch_event_type::error)
      return read(x, status);
    return read(x, object);
  };
  auto err = with_document(line, "watch event", [&](sj::value& root) {
    return fields(root, [&](std::string_view k, sj::value& x) -> error_code {
      if (k == "type") {
        VCDLB_TRY(read(x, type_name));
        type = parse_event_type(type_name);
        return simdjson::SUCCESS;
      }
      if (k == "object") {
        if (type)
          return read_object(x);
        // Rare field order: keep the raw object and decode it once the type is known.
        sj::object obj;
        VCDLB_TRY(x.get_object().get(obj));
        std::string_view raw;
        VCDLB_TRY(obj.raw_json().get(raw));
        deferred.assign(raw);
        return simdjson::SUCCESS;
      }
      return simdjson::SUCCESS;
    });
  });
  if (err)
    return err;
  if (!type)
    return bad_response("watch event: unknown or missing type \"" + type_name.substr(0, 32) + "\"");
  if (!deferred.empty()) {
    if (auto e2 = with_document(deferred, "watch event object", read_object))
      return e2;
  }
  watch_event<T> ev;
  ev.type = *type;
  if (*type == watch_event_type::error) {
    if (status.code == 0 && status.reason.empty())
      return bad_response("watch event: ERROR without a Status");
    ev.error = status_to_error(status);
    return ev;
  }
  ev.resource_version = object.resource_version;
  if (ev.resource_version.empty())
    return bad_response("watch event: object without metadata.resourceVersion");
  if (*type != watch_event_type::bookmark) {
    if (name_of(object).empty())
      return bad_response("watch event: object without metadata.name");
    ev.object = std::move(object);
  }
  return ev;
}

template caf::expected<service_snapshot> decode_object(std::string_view);
template caf::expected<node_snapshot> decode_object(std::string_view);
template caf::expected<endpoint_slice_snapshot> decode_object(std::string_view);
template caf::expected<lease> decode_object(std::string_view);
template caf::expected<event> decode_object(std::string_view);
template caf::expected<list_result<service_snapshot>> decode_list(std::string_view);
template caf::expected<list_result<node_snapshot>> decode_list(std::string_view);
template caf::expected<list_result<endpoint_slice_snapshot>> decode_list(std::string_view);
template caf::expected<watch_event<service_snapshot>> decode_watch_line(std::string_view);
template caf::expected<watch_event<node_snapshot>> decode_watch_line(std::string_view);
template caf::expected<watch_event<endpoint_slice_snapshot>> decode_watch_line(std::string_view);

} // namespace vcdlb::kube::detail
