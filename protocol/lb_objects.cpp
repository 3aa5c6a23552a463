#include "protocol/lb_objects.hpp"

#include <algorithm>

namespace vcdlb {

std::string_view to_string(object_kind x) noexcept {
  switch (x) {
  case object_kind::app_port_profile:
    return "app_port_profile";
  case object_kind::dnat_rule:
    return "dnat_rule";
  case object_kind::pool:
    return "pool";
  case object_kind::virtual_service:
    return "virtual_service";
  }
  return "?";
}

std::string_view to_string(app_profile x) noexcept {
  switch (x) {
  case app_profile::l4:
    return "L4";
  case app_profile::l4_tls:
    return "L4_TLS";
  case app_profile::http:
    return "HTTP";
  case app_profile::https:
    return "HTTPS";
  }
  return "?";
}

std::string_view system_profile_name(app_profile x) noexcept {
  switch (x) {
  case app_profile::l4:
    return "System-L4-Application";
  case app_profile::l4_tls:
    return "System-SSL-Application";
  case app_profile::http:
    return "System-HTTP";
  case app_profile::https:
    return "System-Secure-HTTP";
  }
  return "?";
}

std::string to_string(const listener_key& k) {
  return k.ip + "/" + std::string{to_string(k.protocol)} + "/" + std::to_string(k.port);
}

namespace {

template <class T>
void sort_vec(std::vector<T>& xs) {
  std::sort(xs.begin(), xs.end(), [](const T& a, const T& b) { return a.name < b.name; });
}

} // namespace

void sort_by_name(lb_objects& objs) {
  sort_vec(objs.profiles);
  sort_vec(objs.dnat_rules);
  sort_vec(objs.pools);
  sort_vec(objs.virtual_services);
}

std::string_view to_string(op_kind x) noexcept {
  switch (x) {
  case op_kind::create:
    return "create";
  case op_kind::update:
    return "update";
  case op_kind::remove:
    return "remove";
  }
  return "?";
}

const std::string& lb_op::name() const noexcept {
  switch (kind) {
  case object_kind::app_port_profile:
    return profile.name;
  case object_kind::dnat_rule:
    return dnat.name;
  case object_kind::pool:
    return pool.name;
  case object_kind::virtual_service:
    break;
  }
  return vs.name;
}

const std::string& lb_op::id() const noexcept {
  switch (kind) {
  case object_kind::app_port_profile:
    return profile.id;
  case object_kind::dnat_rule:
    return dnat.id;
  case object_kind::pool:
    return pool.id;
  case object_kind::virtual_service:
    break;
  }
  return vs.id;
}

std::string to_string(const lb_op& x) {
  std::string result{to_string(x.op)};
  result += ' ';
  result += to_string(x.kind);
  result += ' ';
  result += x.name();
  return result;
}

namespace {

lb_op with(op_kind op, app_port_profile_desc x) {
  lb_op result;
  result.op = op;
  result.kind = object_kind::app_port_profile;
  result.profile = std::move(x);
  return result;
}

lb_op with(op_kind op, dnat_rule_desc x) {
  lb_op result;
  result.op = op;
  result.kind = object_kind::dnat_rule;
  result.dnat = std::move(x);
  return result;
}

lb_op with(op_kind op, pool_desc x) {
  lb_op result;
  result.op = op;
  result.kind = object_kind::pool;
  result.pool = std::move(x);
  return result;
}

lb_op with(op_kind op, virtual_service_desc x) {
  lb_op result;
  result.op = op;
  result.kind = object_kind::virtual_service;
  result.vs = std::move(x);
  return result;
}

} // namespace

lb_op make_create(app_port_profile_desc x) {
  return with(op_kind::create, std::move(x));
}
lb_op make_create(dnat_rule_desc x) {
  return with(op_kind::create, std::move(x));
}
lb_op make_create(pool_desc x) {
  return with(op_kind::create, std::move(x));
}
lb_op make_create(virtual_service_desc x) {
  return with(op_kind::create, std::move(x));
}
lb_op make_update(app_port_profile_desc x) {
  return with(op_kind::update, std::move(x));
}
lb_op make_update(dnat_rule_desc x) {
  return with(op_kind::update, std::move(x));
}
lb_op make_update(pool_desc x) {
  return with(op_kind::update, std::move(x));
}
lb_op make_update(virtual_service_desc x) {
  return with(op_kind::update, std::move(x));
}

lb_op make_remove(object_kind kind, std::string name, std::string id) {
  lb_op result;
  result.op = op_kind::remove;
  result.kind = kind;
  switch (kind) {
  case object_kind::app_port_profile:
    result.profile.name = std::move(name);
    result.profile.id = std::move(id);
    break;
  case object_kind::dnat_rule:
    result.dnat.name = std::move(name);
    result.dnat.id = std::move(id);
    break;
  case object_kind::pool:
    result.pool.name = std::move(name);
    result.pool.id = std::move(id);
    break;
  case object_kind::virtual_service:
    result.vs.name = std::move(name);
    result.vs.id = std::move(id);
    break;
  }
  return result;
}

} // namespace vcdlb
