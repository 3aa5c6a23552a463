// The certificate library (synchronous, reference §6.9), tasks (§3.2), and the helpers that
// create entries and start their tasks.

#include "adapters/vcd/sim/detail/handlers.hpp"
#include "adapters/vcd/sim/detail/text.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

std::string_view urn_type(kind k) {
  switch (k) {
  case kind::pool:
    return "loadBalancerPool";
  case kind::virtual_service:
    return "loadBalancerVirtualService";
  case kind::app_port_profile:
    return "applicationPortProfile";
  case kind::certificate:
    return "certificateLibraryItem";
  case kind::seg_assignment:
    return "serviceEngineGroupAssignment";
  case kind::ip_set:
    return "firewallGroup";
  case kind::nat_rule:
  case kind::firewall_rule:
    break;
  }
  return {};
}

entry* visible_cert(ctx& c, std::string_view id) {
  auto* e = c.st.find(id);
  if (e == nullptr || e->k != kind::certificate || !c.sees_org(e->org_id))
    return nullptr;
  return e;
}

std::string cert_org(ctx& c) {
  return c.scope_org.empty() ? c.session->org_id : c.scope_org;
}

std::optional<http::response> check_alias(ctx& c, const std::string& alias,
                                          const std::string& org_id, const entry* self) {
  if (alias.empty() || alias.size() > 128)
    return bad_request(c, "Validation error on field 'alias': size must be 1..128.",
                       "missing_field");
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::certificate && e.org_id == org_id && (self == nullptr || e.id != self->id)
        && str_field(e.body, "alias") == alias)
      return bad_request(c, "A certificate with alias '" + alias + "' already exists.",
                         "duplicate_name");
  return std::nullopt;
}

} // namespace

entry new_entry(ctx& c, kind k, std::string gateway_id, std::string org_id, json::object body) {
  entry e;
  e.k = k;
  auto uuid = c.st.new_uuid();
  // NAT and firewall rule ids are NSX-style uuids, not URNs (reference §6.7).
  e.id = k == kind::nat_rule || k == kind::firewall_rule
           ? uuid
           : "urn:vcloud:" + std::string{urn_type(k)} + ":" + uuid;
  e.gateway_id = std::move(gateway_id);
  e.org_id = std::move(org_id);
  e.body = std::move(body);
  return e;
}

task_rec& start_object_task(ctx& c, entry& e, task_rec::action act, std::string operation_name,
                            std::string operation, std::string gateway_id) {
  task_rec t;
  t.act = act;
  t.object_id = e.id;
  t.gateway_id = std::move(gateway_id);
  t.operation_name = std::move(operation_name);
  t.operation = std::move(operation);
  t.owner_id = e.id;
  t.owner_name = str_field(e.body, "name");
  t.owner_type = "application/json";
  t.org_id = e.org_id.empty() ? c.session->org_id : e.org_id;
  if (const auto* o = c.st.find_org(t.org_id))
    t.org_name = o->name;
  else
    t.org_name = c.session->org_name;
  t.user_name = c.session->user_name;
  t.user_id = c.session->user_id;
  e.status = act == task_rec::action::create ? "PENDING" : "CONFIGURING";
  auto& stored = c.st.start_task(std::move(t));
  e.task_id = stored.uuid;
  return stored;
}

json::object render_certificate(state&, const entry& e) {
  // privateKey and its passphrase are never returned.
  return json::object{{"id", e.id},
                      {"alias", str_field(e.body, "alias")},
                      {"certificate", str_field(e.body, "certificate")},
                      {"description", str_field(e.body, "description")}};
}

json::object render(state& st, const entry& e, int version, time_point now) {
  switch (e.k) {
  case kind::pool:
    return render_pool(st, e);
  case kind::virtual_service:
    return render_vs(st, e, version, now);
  case kind::nat_rule:
    return render_nat_rule(st, e, version);
  case kind::app_port_profile:
    return render_app_port_profile(st, e);
  case kind::certificate:
    return render_certificate(st, e);
  case kind::seg_assignment:
    return render_seg_assignment(st, e);
  case kind::firewall_rule:
    return render_firewall_rule(st, e, version);
  case kind::ip_set:
    return render_ip_set(st, e);
  }
  return {};
}

http::response list_certificates(ctx& c) {
  std::vector<json::value> items;
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::certificate && c.sees_org(e.org_id))
      items.push_back(render_certificate(c.st, e));
  return list_reply(c, std::move(items), {"id", "alias"});
}

http::response post_certificate(ctx& c) {
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  auto alias = str_field(*body, "alias");
  auto org_id = cert_org(c);
  if (auto bad = check_alias(c, alias, org_id, nullptr))
    return std::move(*bad);
  auto pem = str_field(*body, "certificate");
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return bad_request(c, "Validation error on field 'certificate': not a PEM certificate.",
                       "missing_field");
  json::object stored{{"alias", alias},
                      {"certificate", pem},
                      {"description", str_field(*body, "description")},
                      {"privateKey", str_field(*body, "privateKey")}};
  auto& e = c.st.insert(new_entry(c, kind::certificate, "", org_id, std::move(stored)));
  return json_reply(c, 201, render_certificate(c.st, e));
}

http::response get_certificate(ctx& c) {
  auto* e = visible_cert(c, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  return json_reply(c, 200, render_certificate(c.st, *e));
}

http::response put_certificate(ctx& c) {
  auto* e = visible_cert(c, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  // Only alias and description are editable.
  auto alias = str_field(*body, "alias");
  if (auto bad = check_alias(c, alias, e->org_id, e))
    return std::move(*bad);
  e->body["alias"] = alias;
  e->body["description"] = str_field(*body, "description");
  for (auto& [seq, o] : c.st.objects)
    if (o.k == kind::virtual_service && ref_id(o.body, "certificateRef") == e->id)
      o.body["certificateRef"] = json::object{{"name", alias}, {"id", e->id}};
  return json_reply(c, 200, render_certificate(c.st, *e));
}

http::response delete_certificate(ctx& c) {
  auto* e = visible_cert(c, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  for (const auto& [seq, o] : c.st.objects)
    if (o.k == kind::virtual_service && ref_id(o.body, "certificateRef") == e->id)
      return bad_request(
        c, "The certificate is used by virtual service '" + str_field(o.body, "name") + "'.",
        "in_use");
  c.st.erase(e->id);
  return no_content(c);
}

http::response get_task(ctx& c) {
  auto i = c.st.tasks.find(std::string{urn_uuid(c.params.at(0))});
  if (i == c.st.tasks.end() || !(c.provider() || c.session->org_id == i->second.org_id))
    return forbidden(c, "urn:vcloud:task:" + c.params.at(0));
  const auto& t = i->second;
  auto href = c.base() + "/api/task/" + t.uuid;
  auto total = std::chrono::duration<double>(t.end - t.start).count();
  auto done = std::chrono::duration<double>(c.now - t.start).count();
  int progress = t.status != "running" ? 100
                 : total <= 0          ? 0
                                       : static_cast<int>(std::min(99.0, 100.0 * done / total));
  auto owner_href = c.base() + "/cloudapi/1.0.0/entity/" + t.owner_id;
  auto user_href = c.base() + "/api/admin/user/" + std::string{urn_uuid(t.user_id)};
  auto org_href = c.base() + "/api/org/" + std::string{urn_uuid(t.org_id)};
  auto expiry = c.st.wall(t.start + std::chrono::hours{24 * 90});
  if (!c.xml) {
    json::object j{
      {"href", href},
      {"id", "urn:vcloud:task:" + t.uuid},
      {"type", "application/vnd.vmware.vcloud.task+json"},
      {"name", "task"},
      {"status", t.status},
      {"operation", t.operation},
      {"operationName", t.operation_name},
      {"serviceNamespace", "com.vmware.cloud"},
      {"startTime", c.st.wall(t.start)},
      {"expiryTime", expiry},
      {"cancelRequested", false},
      {"owner",
       json::object{
         {"href", owner_href}, {"id", t.owner_id}, {"name", t.owner_name}, {"type", t.owner_type}}},
      {"user", json::object{{"href", user_href},
                            {"id", t.user_id},
                            {"name", t.user_name},
                            {"type", "application/vnd.vmware.admin.user+xml"}}},
      {"organization", json::object{{"href", org_href},
                                    {"id", t.org_id},
                                    {"name", t.org_name},
                                    {"type", "application/vnd.vmware.vcloud.org+xml"}}},
      {"progress", progress},
      {"details", ""}};
    if (t.status != "running")
      j["endTime"] = c.st.wall(t.end);
    if (t.status == "error")
      j["error"] = json::object{{"majorErrorCode", t.error_major},
                                {"minorErrorCode", t.error_minor},
                                {"message", t.error_message}};
    if (t.status == "success" && !t.result_content.empty())
      j["result"] = json::object{{"resultContent", t.result_content}};
    return json_reply(c, 200, j);
  }
  std::string x = "<Task xmlns=\"http://www.vmware.com/vcloud/v1.5\" href=\"" + xml_escape(href)
                  + "\" id=\"urn:vcloud:task:" + t.uuid
                  + "\" type=\"application/vnd.vmware.vcloud.task+xml\" name=\"task\" status=\""
                  + t.status + "\" operation=\"" + xml_escape(t.operation) + "\" operationName=\""
                  + xml_escape(t.operation_name)
                  + "\" serviceNamespace=\"com.vmware.cloud\" startTime=\"" + c.st.wall(t.start)
                  + "\"";
  if (t.status != "running")
    x += " endTime=\"" + c.st.wall(t.end) + "\"";
  x += " expiryTime=\"" + expiry + "\" cancelRequested=\"false\">\n";
  x += "  <Link rel=\"task:cancel\" href=\"" + xml_escape(href) + "/action/cancel\"/>\n";
  x += "  <Owner href=\"" + xml_escape(owner_href) + "\" id=\"" + xml_escape(t.owner_id)
       + "\" name=\"" + xml_escape(t.owner_name) + "\" type=\"" + xml_escape(t.owner_type)
       + "\"/>\n";
  if (t.status == "error")
    x += "  <Error majorErrorCode=\"" + std::to_string(t.error_major) + "\" minorErrorCode=\""
         + xml_escape(t.error_minor) + "\" message=\"" + xml_escape(t.error_message) + "\"/>\n";
  x += "  <User href=\"" + xml_escape(user_href) + "\" id=\"" + t.user_id + "\" name=\""
       + xml_escape(t.user_name) + "\" type=\"application/vnd.vmware.admin.user+xml\"/>\n";
  x += "  <Organization href=\"" + xml_escape(org_href) + "\" id=\"" + t.org_id + "\" name=\""
       + xml_escape(t.org_name) + "\" type=\"application/vnd.vmware.vcloud.org+xml\"/>\n";
  x += "  <Progress>" + std::to_string(progress) + "</Progress>\n  <Details></Details>\n";
  // XSD order: Result comes last. The allocate task's values (a JSON array) are its content.
  if (t.status == "success" && !t.result_content.empty())
    x += "  <Result>\n    <ResultContent>" + xml_escape(t.result_content)
         + "</ResultContent>\n  </Result>\n";
  x += "</Task>\n";
  return xml_reply(c, 200, x, "application/vnd.vmware.vcloud.task+xml");
}

namespace {

http::response entity_reply(ctx& c, const entity_rec& d) {
  json::object j{{"id", d.id},         {"entityType", d.type},
                 {"name", d.name},     {"externalId", nullptr},
                 {"entity", d.entity}, {"state", "RESOLVED"}};
  if (c.st.max_version >= 3701)
    j["entityState"] = d.state;
  if (const auto* o = c.st.find_org(d.org_id))
    j["org"] = json::object{{"name", o->name}, {"id", o->id}};
  auto r = json_reply(c, 200, j);
  r.fields.emplace_back("ETag", "\"" + std::to_string(d.etag) + "\"");
  return r;
}

// The entity if this session may see it: its org's users unless its access is "none". Else
// `refusal` is the answer: 404 for an id no entity has (any more), 403 for one the session may
// not see (VCD >= 10.4 tells the two apart for defined entities).
entity_rec* visible_entity(ctx& c, http::response& refusal) {
  auto i = c.st.entities.find(c.params.at(0));
  if (i == c.st.entities.end()) {
    refusal = error_reply(c, 404, "NOT_FOUND", "RDE with id " + c.params.at(0) + " does not exist.",
                          "unknown_urn");
    return nullptr;
  }
  if (!c.sees_org(i->second.org_id) || (i->second.access == "none" && !c.provider())) {
    refusal = forbidden(c, c.params.at(0));
    return nullptr;
  }
  return &i->second;
}

// Another writer updating its own status section: CAPVCD changes `status.capvcd` only, the CSE
// 3 server (native clusters) `status.nodes` only.
void second_write(entity_rec& d) {
  auto& entity = d.entity.as_object();
  auto& status = entity["status"];
  if (!status.is_object())
    status = json::object{};
  auto& own = status.as_object()[native_entity_type(d.type) ? "nodes" : "capvcd"];
  if (!own.is_object())
    own = json::object{};
  own.as_object()["simSecondWriter"] = ++d.second_writer_writes;
  ++d.etag;
}

} // namespace

http::response get_entity(ctx& c) {
  http::response refusal;
  auto* d = visible_entity(c, refusal);
  if (d == nullptr)
    return refusal;
  auto reply = entity_reply(c, *d);
  // The second writer strikes between this read and the client's write (scenario option).
  if (d->second_writer_every > 0 && ++d->reads % static_cast<uint64_t>(d->second_writer_every) == 0)
    second_write(*d);
  return reply;
}

http::response put_entity(ctx& c) {
  http::response refusal;
  auto* found = visible_entity(c, refusal);
  if (found == nullptr)
    return refusal;
  auto& d = *found;
  if (d.access != "full" && !c.provider())
    return error_reply(c, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                       "The user lacks the right to modify entity " + d.id + ".", "forbidden");
  // Optimistic concurrency: a stale If-Match is 412 (the upstream provider retries on it).
  if (auto match = header_value(c.req.fields, "If-Match");
      match && *match != "\"" + std::to_string(d.etag) + "\"")
    return error_reply(c, 412, "PRECONDITION_FAILED",
                       "The entity was changed by someone else (ETag mismatch).", "stale_version");
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  auto* entity = body->if_contains("entity");
  if (entity == nullptr || !entity->is_object())
    return bad_request(c, "Validation error on field 'entity': must be an object.",
                       "missing_field");
  d.entity = *entity;
  if (auto name = str_field(*body, "name"); !name.empty())
    d.name = name;
  ++d.etag;
  return entity_reply(c, d);
}

http::response delete_entity(ctx& c) {
  http::response refusal;
  auto* d = visible_entity(c, refusal);
  if (d == nullptr)
    return refusal;
  if (d->access != "full" && !c.provider())
    return error_reply(c, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                       "The user lacks the right to delete entity " + d->id + ".", "forbidden");
  c.st.entities.erase(d->id);
  return no_content(c);
}

http::response get_entity_type(ctx& c) {
  auto i = c.st.entity_types.find(c.params.at(0));
  if (i == c.st.entity_types.end())
    return forbidden(c, c.params.at(0));
  return json_reply(c, 200, i->second);
}

} // namespace vcdlb::vcd::sim::detail
