#include "adapters/kube/sim/api_core.hpp"

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "adapters/kube/sim/detail/base64.hpp"
#include "adapters/kube/sim/detail/json_util.hpp"
#include "adapters/kube/sim/detail/request_parts.hpp"
#include "adapters/kube/sim/openapi.hpp"

namespace vcdlb::kube::sim {

namespace json = boost::json;

namespace {

constexpr size_t log_capacity = 1000;

const std::string* param(const std::vector<std::pair<std::string, std::string>>& q,
                         std::string_view name) {
  for (const auto& [k, v] : q)
    if (k == name)
      return &v;
  return nullptr;
}

// Go's strconv-based bool parsing as the apiserver applies it to query parameters: absent,
// "0" or "false" (any case) are false, anything else (even "") is true.
bool flag(const std::vector<std::pair<std::string, std::string>>& q, std::string_view name) {
  const auto* v = param(q, name);
  return v != nullptr && *v != "0" && !detail::iequals(*v, "false");
}

// The RBAC verb of a request (kubernetes-api.md: the apiserver's RequestInfo).
api_access access_of(const resource_info& r, bool collection, bool status, std::string_view method,
                     bool watch) {
  std::string verb;
  if (method == "GET")
    verb = collection ? (watch ? "watch" : "list") : (watch ? "watch" : "get");
  else if (method == "POST")
    verb = "create";
  else if (method == "PUT")
    verb = "update";
  else if (method == "PATCH")
    verb = "patch";
  else if (method == "DELETE")
    verb = collection ? "deletecollection" : "delete";
  else
    verb = std::string{method};
  return {r.group, status ? r.name + "/status" : r.name, std::move(verb)};
}

http::header_list json_headers() {
  return {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache, private"}};
}

void respond_json(const std::shared_ptr<http::response_writer>& out, unsigned code,
                  const json::object& body, unsigned& status) {
  status = code;
  out->respond(http::response{code, json_headers(), json::serialize(body)});
}

void respond_error(const std::shared_ptr<http::response_writer>& out, const api_error& err,
                   unsigned& status) {
  status = err.code;
  auto fields = json_headers();
  if (err.retry_after_s > 0)
    fields.emplace_back("Retry-After", std::to_string(err.retry_after_s));
  out->respond(http::response{err.code, std::move(fields), json::serialize(status_body(err))});
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto part = path.substr(0, slash);
    if (!part.empty())
      out.push_back(detail::decode_component(part));
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::string list_key(const json::object& obj) {
  return std::string{detail::meta_str(obj, "namespace")} + "/"
         + std::string{detail::meta_str(obj, "name")};
}

std::string make_continue(uint64_t rv, const std::string& start) {
  json::object token;
  token["v"] = "meta.k8s.io/v1";
  token["rv"] = rv;
  token["start"] = start;
  return detail::base64_encode(json::serialize(token), true);
}

struct continue_token {
  uint64_t rv = 0;
  std::string start;
};

std::optional<continue_token> parse_continue(std::string_view text) {
  auto raw = detail::base64_decode(text);
  if (!raw)
    return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*raw, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  auto rv = detail::as_int(v.as_object().if_contains("rv"));
  auto start = detail::str(v.as_object(), "start");
  if (!rv || *rv < 0 || detail::str(v.as_object(), "v") != "meta.k8s.io/v1")
    return std::nullopt;
  return continue_token{static_cast<uint64_t>(*rv), std::string{start}};
}

api_error list_options_invalid(std::string field, std::string detail) {
  json::object cause;
  cause["reason"] = "FieldValueForbidden";
  cause["message"] = detail;
  cause["field"] = field;
  json::object details;
  details["group"] = "meta.k8s.io";
  details["kind"] = "ListOptions";
  details["causes"] = json::array{cause};
  return {422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: " + field + ": " + detail,
          std::move(details), 0};
}

} // namespace

api_core::api_core(core_options opts)
  : opts_(std::move(opts)), store_(opts_.store),
    alloc_(opts_.seed, opts_.node_port_min, opts_.node_port_max), rng_(opts_.seed ^ 0x5eed) {
  const auto* ns = find_resource("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json::object obj;
    json::object meta;
    meta["name"] = name;
    obj["metadata"] = std::move(meta);
    auto created = do_create(*ns, "", std::move(obj));
    (void)created; // names are valid and unique: cannot fail
  }
}

// -- HTTP side ----------------------------------------------------------------------------------

void api_core::handle(const http::request& req, std::shared_ptr<http::response_writer> out) {
  std::lock_guard guard{mtx_};
  ++counters_.total;
  unsigned status = 0;
  dispatch(req, out, status);
  log_.push_back(req.method + " " + req.target + " -> " + std::to_string(status));
  if (log_.size() > log_capacity)
    log_.pop_front();
}

void api_core::dispatch(const http::request& req, const std::shared_ptr<http::response_writer>& out,
                        unsigned& status) {
  auto path = detail::path_of(req);
  if (path == "/healthz" || path == "/readyz" || path == "/livez") {
    status = 200;
    out->respond(http::response{200, {{"Content-Type", "text/plain; charset=utf-8"}}, "ok"});
    return;
  }
  if (!opts_.token.empty()) {
    auto auth = detail::header_of(req, "Authorization");
    if (!auth || *auth != "Bearer " + opts_.token) {
      ++counters_.unauthorized;
      respond_error(out, unauthorized(), status);
      return;
    }
  }
  auto segs = split_path(path);
  auto q = detail::parse_query(detail::query_of(req));
  bool clean = std::all_of(segs.begin(), segs.end(), detail::valid_utf8)
               && std::all_of(q.begin(), q.end(), [](const auto& kv) {
                    return detail::valid_utf8(kv.first) && detail::valid_utf8(kv.second);
                  });
  if (!clean) {
    respond_error(out, bad_request("the request URL is not valid UTF-8"), status);
    return;
  }
  bool is_get = req.method == "GET";
  // Discovery and version documents.
  if (is_get) {
    json::object doc;
    if (segs.size() == 1 && segs[0] == "version")
      doc = version_document(opts_.version);
    else if (segs.size() == 1 && segs[0] == "api")
      doc = core_versions_document(opts_.server_address);
    else if (segs.size() == 2 && segs[0] == "api")
      doc = resource_list_document("", segs[1]);
    else if (segs.size() == 1 && segs[0] == "apis")
      doc = group_list_document();
    else if (segs.size() == 2 && segs[0] == "apis")
      doc = group_document(segs[1]);
    else if (segs.size() == 3 && segs[0] == "apis")
      doc = resource_list_document(segs[1], segs[2]);
    else if (segs.size() == 2 && segs[0] == "openapi" && segs[1] == "v3")
      doc = openapi_v3_root();
    else if (segs.size() >= 4 && segs[0] == "openapi" && segs[1] == "v3") {
      // /openapi/v3/api/v1 and /openapi/v3/apis/<group>/<version> (the hash is not checked)
      std::optional<json::object> gv;
      if (segs.size() == 4 && segs[2] == "api")
        gv = openapi_v3_document("", segs[3]);
      else if (segs.size() == 5 && segs[2] == "apis")
        gv = openapi_v3_document(segs[3], segs[4]);
      if (gv)
        doc = std::move(*gv);
    } else if (segs.size() == 2 && segs[0] == "openapi" && segs[1] == "v2") {
      // client-go's OpenAPISchema asks for protobuf; JSON (with the schemas) otherwise.
      auto accept = detail::header_of(req, "Accept");
      if (accept && accept->find(openapi_v2_protobuf_accept) != std::string_view::npos) {
        status = 200;
        out->respond(http::response{
          200, {{"Content-Type", std::string{openapi_v2_protobuf_type}}}, openapi_v2_protobuf()});
        return;
      }
      if (accept && accept->find("json") == std::string_view::npos
          && accept->find("*/*") == std::string_view::npos) {
        respond_error(out,
                      not_acceptable("application/json, " + std::string{openapi_v2_protobuf_type}),
                      status);
        return;
      }
      doc = openapi_v2_document();
    }
    if (!doc.empty()) {
      respond_json(out, 200, doc, status);
      return;
    }
  }
  // Resource paths: /api/v1/... and /apis/<group>/<version>/...
  std::string group;
  std::string version;
  size_t at = 0;
  if (segs.size() >= 3 && segs[0] == "api") {
    version = segs[1];
    at = 2;
  } else if (segs.size() >= 4 && segs[0] == "apis") {
    group = segs[1];
    version = segs[2];
    at = 3;
  } else {
    respond_error(out, unknown_path(), status);
    return;
  }
  std::vector<std::string> rest(segs.begin() + static_cast<std::ptrdiff_t>(at), segs.end());
  target t;
  if (rest.size() >= 3 && rest[0] == "namespaces" && rest[2] != "status" && rest[2] != "finalize") {
    t.ns = rest[1];
    t.resource = find_resource(group, version, rest[2]);
    rest.erase(rest.begin(), rest.begin() + 3);
    if (t.resource != nullptr && !t.resource->namespaced)
      t.resource = nullptr;
  } else {
    t.resource = find_resource(group, version, rest[0]);
    rest.erase(rest.begin());
    // A namespaced resource without a namespace: only the all-namespaces collection.
    if (t.resource != nullptr && t.resource->namespaced && !rest.empty())
      t.resource = nullptr;
  }
  if (t.resource == nullptr || rest.size() > 2
      || (rest.size() == 2 && (rest[1] != "status" || !t.resource->has_status))) {
    respond_error(out, unknown_path(), status);
    return;
  }
  if (!rest.empty())
    t.name = rest[0];
  t.status = rest.size() == 2;
  const auto& r = *t.resource;
  accesses_.insert(access_of(r, t.name.empty(), t.status, req.method, flag(q, "watch")));

  // Injected faults (after routing, so discovery never fails).
  std::uniform_real_distribution<double> draw{0.0, 1.0};
  if (faults_.rate_429 > 0 && draw(rng_) < faults_.rate_429) {
    ++counters_.injected_429;
    respond_error(out, too_many_requests(faults_.retry_after_s), status);
    return;
  }
  if (faults_.rate_500 > 0 && draw(rng_) < faults_.rate_500) {
    ++counters_.injected_500;
    respond_error(out, internal_error("injected fault"), status);
    return;
  }
  if (faults_.rate_409_conditional_patch > 0 && req.method == "PATCH"
      && req.body.find("\"resourceVersion\"") != std::string::npos
      && draw(rng_) < faults_.rate_409_conditional_patch) {
    ++counters_.injected_409;
    respond_error(out, conflict(r.group, r.name, t.name), status);
    return;
  }
  if (faults_.rate_503 > 0 && draw(rng_) < faults_.rate_503) {
    ++counters_.injected_503;
    respond_error(out, service_unavailable(faults_.retry_after_s), status);
    return;
  }

  if (const auto* dry = param(q, "dryRun"); dry != nullptr && !dry->empty()) {
    respond_error(out, bad_request("dryRun is not supported by this server"), status);
    return;
  }
  auto parse_body = [&]() -> result<json::object> {
    // Only JSON is decoded: a protobuf (or YAML, CBOR) body gets the apiserver's 415.
    if (auto ct = detail::header_of(req, "Content-Type")) {
      auto media = ct->substr(0, ct->find(';'));
      while (!media.empty() && media.back() == ' ')
        media.remove_suffix(1);
      if (!media.empty() && !detail::iequals(media, "application/json"))
        return unsupported_body_media_type(detail::valid_utf8(media) ? media
                                                                     : std::string_view{"?"});
    }
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    if (ec || !v.is_object())
      return bad_request("the body of the request could not be decoded as a JSON object");
    return std::move(v.as_object());
  };
  // Server-side field validation, which the OpenAPI documents announce (openapi.hpp): kubectl
  // sends fieldValidation=Strict and then leaves validation to the server. Warn (the
  // apiserver's default) accepts unknown fields with a Warning header each; Ignore silently.
  const auto* directive = param(q, "fieldValidation");
  if (directive != nullptr && !directive->empty() && *directive != "Strict" && *directive != "Warn"
      && *directive != "Ignore") {
    respond_error(out,
                  bad_request("fieldValidation must be one of Ignore, Warn or Strict, got \""
                              + *directive + "\""),
                  status);
    return;
  }
  http::header_list warnings;
  auto strict_error = [&](const json::object& body) -> std::optional<api_error> {
    if (directive != nullptr && *directive == "Ignore")
      return std::nullopt;
    auto fields = unknown_fields(r, body);
    if (fields.empty())
      return std::nullopt;
    if (directive == nullptr || *directive != "Strict") {
      for (const auto& f : fields) // as the apiserver words it; kubectl prints "Warning: ..."
        warnings.emplace_back("Warning", "299 - \"unknown field \\\"" + f + "\\\"\"");
      return std::nullopt;
    }
    std::string message = r.kind + " in version \"" + r.version + "\" cannot be handled as a "
                          + r.kind + ": strict decoding error: ";
    for (size_t i = 0; i < fields.size(); ++i)
      message += (i == 0 ? "" : ", ") + std::string{"unknown field \""} + fields[i] + "\"";
    return bad_request(std::move(message));
  };
  auto reply = [&](const result<json::object>& res, unsigned ok_code) {
    if (!res)
      return respond_error(out, res.error(), status);
    status = ok_code;
    auto fields = json_headers();
    fields.insert(fields.end(), warnings.begin(), warnings.end());
    out->respond(http::response{ok_code, std::move(fields), json::serialize(*res)});
  };

  rendering how;
  if (auto accept = detail::header_of(req, "Accept"); accept && wants_table(*accept)) {
    how.table = true;
    const auto* inc = param(q, "includeObject");
    how.include = parse_include_object(inc != nullptr ? *inc : "");
  }
  const std::string& ns = t.ns;
  if (t.name.empty()) {
    if (req.method == "GET") {
      if (flag(q, "watch")) {
        ++counters_.watch;
        serve_watch(t, q, how, out, status);
      } else {
        ++counters_.list;
        serve_list(t, q, how, out, status);
      }
    } else if (req.method == "POST" && (!r.namespaced || !ns.empty())) {
      ++counters_.create;
      auto body = parse_body();
      if (!body)
        return respond_error(out, body.error(), status);
      if (auto err = strict_error(*body))
        return respond_error(out, *err, status);
      reply(do_create(r, ns, std::move(*body)), 201);
    } else if (req.method == "DELETE") {
      ++counters_.remove;
      auto labels =
        parse_label_selector(param(q, "labelSelector") ? *param(q, "labelSelector") : "");
      auto fields = parse_field_selector(
        param(q, "fieldSelector") ? *param(q, "fieldSelector") : "", r.field_labels);
      if (!labels)
        return respond_error(out, labels.error(), status);
      if (!fields)
        return respond_error(out, fields.error(), status);
      watch_spec sel;
      sel.resource = &r;
      sel.ns = ns;
      sel.labels = std::move(*labels);
      sel.fields = std::move(*fields);
      std::vector<std::pair<std::string, std::string>> victims;
      for (const auto* obj : store_.list(r, ns))
        if (matches(sel, *obj))
          victims.emplace_back(detail::meta_str(*obj, "namespace"), detail::meta_str(*obj, "name"));
      json::array items;
      for (const auto& [vns, vname] : victims) {
        const auto* cur = store_.find(r, vns, vname);
        json::object last = cur != nullptr ? *cur : json::object{};
        auto res = do_delete(r, vns, vname, nullptr);
        if (res)
          items.push_back(detail::str(*res, "kind") == "Status" ? std::move(last) : *res);
      }
      json::object list;
      list["kind"] = r.kind + "List";
      list["apiVersion"] = r.api_version();
      json::object meta;
      meta["resourceVersion"] = std::to_string(store_.resource_version());
      list["metadata"] = std::move(meta);
      list["items"] = std::move(items);
      respond_json(out, 200, list, status);
    } else {
      respond_error(out, method_not_allowed(), status);
    }
    return;
  }

  if (req.method == "GET") {
    ++counters_.get;
    const auto* obj = store_.find(r, r.namespaced ? ns : "", t.name);
    if (obj == nullptr)
      return respond_error(out, not_found(r.group, r.name, t.name), status);
    if (how.table) {
      const json::object* row[] = {obj};
      respond_json(
        out, 200,
        make_table(r, row, now(), true, how.include, detail::meta_str(*obj, "resourceVersion")),
        status);
    } else {
      respond_json(out, 200, *obj, status);
    }
  } else if (req.method == "PUT") {
    ++counters_.update;
    auto body = parse_body();
    if (!body)
      return respond_error(out, body.error(), status);
    if (auto err = strict_error(*body))
      return respond_error(out, *err, status);
    bool created = false;
    auto res = do_update(r, ns, t.name, t.status, std::move(*body), created);
    reply(res, created ? 201 : 200);
  } else if (req.method == "PATCH") {
    ++counters_.patch;
    auto ct = detail::header_of(req, "Content-Type");
    // A merge or strategic merge patch is a partial object: check its fields (a JSON patch is
    // a list of operations and is not checked).
    if (ct && ct->find("merge-patch+json") != std::string_view::npos) {
      boost::system::error_code ec;
      auto v = json::parse(req.body, ec);
      if (!ec && v.is_object())
        if (auto err = strict_error(v.as_object()))
          return respond_error(out, *err, status);
    }
    reply(do_patch(r, ns, t.name, t.status, ct ? *ct : "", req.body), 200);
  } else if (req.method == "DELETE" && !t.status) {
    ++counters_.remove;
    json::object options;
    if (!req.body.empty()) {
      boost::system::error_code ec;
      auto v = json::parse(req.body, ec);
      if (ec || !v.is_object())
        return respond_error(out, bad_request("the body of the request could not be decoded"),
                             status);
      options = std::move(v.as_object());
    }
    reply(do_delete(r, ns, t.name, &options), 200);
  } else {
    respond_error(out, method_not_allowed(), status);
  }
}

void api_core::serve_list(const target& t, const query_params& q, rendering how,
                          const std::shared_ptr<http::response_writer>& out, unsigned& status) {
  const auto& r = *t.resource;
  auto labels = parse_label_selector(param(q, "labelSelector") ? *param(q, "labelSelector") : "");
  if (!labels)
    return respond_error(out, labels.error(), status);
  auto fields = parse_field_selector(param(q, "fieldSelector") ? *param(q, "fieldSelector") : "",
                                     r.field_labels);
  if (!fields)
    return respond_error(out, fields.error(), status);
  const std::string* rv_text = param(q, "resourceVersion");
  const std::string* rvm = param(q, "resourceVersionMatch");
  const std::string* cont = param(q, "continue");
  int64_t limit = 0;
  if (const auto* l = param(q, "limit"); l != nullptr && !l->empty()) {
    auto v = detail::parse_rv(*l);
    if (!v)
      return respond_error(out, bad_request("invalid limit: " + *l), status);
    limit = static_cast<int64_t>(std::min<uint64_t>(*v, 1u << 30));
  }
  std::string rv_s = rv_text != nullptr ? *rv_text : "";
  std::string rvm_s = rvm != nullptr ? *rvm : "";
  bool has_cont = cont != nullptr && !cont->empty();
  std::optional<uint64_t> rv;
  if (!rv_s.empty()) {
    rv = detail::parse_rv(rv_s);
    if (!rv)
      return respond_error(out, bad_request("invalid resource version: " + rv_s), status);
  }
  if (!rvm_s.empty()) {
    if (rvm_s != "NotOlderThan" && rvm_s != "Exact")
      return respond_error(
        out, list_options_invalid("resourceVersionMatch", "Unsupported value: \"" + rvm_s + "\""),
        status);
    if (has_cont)
      return respond_error(out,
                           list_options_invalid("resourceVersionMatch",
                                                "Forbidden: resourceVersionMatch is forbidden "
                                                "when continue is provided"),
                           status);
    if (!rv)
      return respond_error(out,
                           list_options_invalid("resourceVersionMatch",
                                                "Forbidden: resourceVersionMatch is forbidden "
                                                "unless resourceVersion is provided"),
                           status);
    if (rvm_s == "Exact" && *rv == 0)
      return respond_error(out,
                           list_options_invalid("resourceVersionMatch",
                                                "Forbidden: resourceVersionMatch \"exact\" is "
                                                "forbidden for resourceVersion \"0\""),
                           status);
  }
  uint64_t current = store_.resource_version();
  // Decide the snapshot: exact (from history) or the current state.
  std::optional<uint64_t> exact;
  std::string start_after;
  if (has_cont) {
    if (rv && *rv != 0)
      return respond_error(out,
                           bad_request("specifying resource version is not allowed when using "
                                       "continue"),
                           status);
    auto token = parse_continue(*cont);
    if (!token)
      return respond_error(out, bad_request("continue key is not valid"), status);
    if (token->rv < store_.compacted_version()) {
      api_error err = expired(
        "The provided continue parameter is too old to display a consistent list result. You "
        "can start a new list without the continue parameter, or use the continue token in "
        "this response to retrieve the remainder of the results. Continuing with the provided "
        "token results in an inconsistent list - objects that were created, modified, or "
        "deleted between the time the first chunk was returned and now may show up in the "
        "list.");
      return respond_error(out, err, status);
    }
    exact = token->rv;
    start_after = token->start;
  } else if (rv && *rv > 0) {
    if (*rv > current)
      return respond_error(out, too_large_resource_version(*rv, current), status);
    if (rvm_s == "Exact" || (rvm_s.empty() && limit > 0))
      exact = *rv;
  }
  std::vector<json::object> items;
  uint64_t list_rv = current;
  if (exact) {
    auto snap = store_.list_at(r, t.ns, *exact);
    if (!snap)
      return respond_error(out, snap.error(), status);
    items = std::move(*snap);
    list_rv = *exact;
  } else {
    for (const auto* obj : store_.list(r, t.ns))
      items.push_back(*obj);
  }
  watch_spec sel;
  sel.resource = &r;
  sel.ns = t.ns;
  sel.labels = std::move(*labels);
  sel.fields = std::move(*fields);
  json::array out_items;
  std::string last_key;
  bool more = false;
  int64_t remaining = 0;
  for (auto& obj : items) {
    if (!start_after.empty() && list_key(obj) <= start_after)
      continue;
    if (!matches(sel, obj))
      continue;
    if (limit > 0 && static_cast<int64_t>(out_items.size()) >= limit) {
      more = true;
      ++remaining;
      continue;
    }
    last_key = list_key(obj);
    out_items.push_back(std::move(obj));
  }
  std::string cont_token;
  if (more)
    cont_token = make_continue(list_rv, last_key);
  if (how.table) {
    std::vector<const json::object*> rows;
    for (const auto& item : out_items)
      rows.push_back(&item.as_object());
    auto table = make_table(r, rows, now(), true, how.include, std::to_string(list_rv), cont_token);
    return respond_json(out, 200, table, status);
  }
  json::object list;
  list["kind"] = r.kind + "List";
  list["apiVersion"] = r.api_version();
  json::object meta;
  meta["resourceVersion"] = std::to_string(list_rv);
  if (more) {
    meta["continue"] = cont_token;
    if (sel.labels.requirements.empty() && sel.fields.requirements.empty())
      meta["remainingItemCount"] = remaining;
  }
  list["metadata"] = std::move(meta);
  list["items"] = std::move(out_items);
  respond_json(out, 200, list, status);
}

void api_core::serve_watch(const target& t, const query_params& q, rendering how,
                           const std::shared_ptr<http::response_writer>& out, unsigned& status) {
  const auto& r = *t.resource;
  auto labels = parse_label_selector(param(q, "labelSelector") ? *param(q, "labelSelector") : "");
  if (!labels)
    return respond_error(out, labels.error(), status);
  auto fields = parse_field_selector(param(q, "fieldSelector") ? *param(q, "fieldSelector") : "",
                                     r.field_labels);
  if (!fields)
    return respond_error(out, fields.error(), status);
  watch_spec spec;
  spec.resource = &r;
  spec.ns = t.ns;
  spec.labels = std::move(*labels);
  spec.fields = std::move(*fields);
  spec.bookmarks = flag(q, "allowWatchBookmarks");
  if (const auto* rv_text = param(q, "resourceVersion"); rv_text != nullptr && !rv_text->empty()) {
    auto rv = detail::parse_rv(*rv_text);
    if (!rv)
      return respond_error(out, bad_request("invalid resource version: " + *rv_text), status);
    if (*rv > store_.resource_version())
      return respond_error(out, too_large_resource_version(*rv, store_.resource_version()), status);
    if (*rv > 0)
      spec.from_rv = *rv;
  }
  // WatchList (sendInitialEvents): only with resourceVersionMatch=NotOlderThan and bookmarks;
  // resourceVersionMatch on a watch is only allowed together with it.
  const std::string* rvm = param(q, "resourceVersionMatch");
  spec.initial_events = flag(q, "sendInitialEvents");
  if (spec.initial_events) {
    if (rvm == nullptr || *rvm != "NotOlderThan")
      return respond_error(out,
                           list_options_invalid("resourceVersionMatch",
                                                "Forbidden: sendInitialEvents requires setting "
                                                "resourceVersionMatch to NotOlderThan"),
                           status);
    if (!spec.bookmarks)
      return respond_error(out,
                           list_options_invalid("allowWatchBookmarks",
                                                "Forbidden: sendInitialEvents requires "
                                                "allowWatchBookmarks=true"),
                           status);
  } else if (rvm != nullptr && !rvm->empty()) {
    return respond_error(out,
                         list_options_invalid("resourceVersionMatch",
                                              "Forbidden: resourceVersionMatch is forbidden for "
                                              "watch unless sendInitialEvents is provided"),
                         status);
  }
  std::chrono::seconds timeout{0};
  if (const auto* ts = param(q, "timeoutSeconds"); ts != nullptr && !ts->empty()) {
    auto v = detail::parse_rv(*ts);
    if (!v)
      return respond_error(out, bad_request("invalid timeoutSeconds: " + *ts), status);
    timeout = std::chrono::seconds{static_cast<int64_t>(std::min<uint64_t>(*v, 86400))};
  }
  if (timeout.count() == 0) {
    // The apiserver's default: min-request-timeout (1800 s) times [1, 2).
    std::uniform_int_distribution<int64_t> extra{0, 1799};
    timeout = std::chrono::seconds{1800 + extra(rng_)};
  }
  spec.deadline = now() + timeout;
  spec.table = how.table;
  spec.table_include = how.include;
  status = 200;
  out->start_stream(200, json_headers());
  store_.watch(std::move(spec), out, now());
}

// -- direct access ------------------------------------------------------------------------------

result<json::object> api_core::put_object(json::object obj) {
  std::lock_guard guard{mtx_};
  const auto* r = find_kind(detail::str(obj, "apiVersion"), detail::str(obj, "kind"));
  if (r == nullptr)
    return bad_request("unknown apiVersion/kind");
  std::string ns{detail::meta_str(obj, "namespace")};
  if (r->namespaced && ns.empty())
    ns = "default";
  std::string name{detail::meta_str(obj, "name")};
  const auto* old = store_.find(*r, r->namespaced ? ns : "", name);
  if (old == nullptr) {
    auto created = do_create(*r, ns, obj);
    // Services drop status on create; a given status is applied as a /status write.
    if (!created || !r->has_status || !obj.contains("status"))
      return created;
    if (const auto* st = created->if_contains("status"); st != nullptr && *st == obj.at("status"))
      return created;
    json::object stored = *created;
    detail::child_mut(obj, "metadata")["resourceVersion"] =
      detail::meta_str(stored, "resourceVersion");
    return commit_update(*r, stored, std::move(obj), true);
  }
  json::object before = *old;
  detail::child_mut(obj, "metadata").erase("resourceVersion");
  detail::child_mut(obj, "metadata")["resourceVersion"] =
    detail::meta_str(before, "resourceVersion");
  auto main = commit_update(*r, before, obj, false);
  if (!main || !r->has_status || !obj.contains("status"))
    return main;
  json::object after = *main;
  // The status write follows the main one: it must carry the version that one produced.
  detail::child_mut(obj, "metadata")["resourceVersion"] =
    detail::meta_str(after, "resourceVersion");
  return commit_update(*r, after, std::move(obj), true);
}

std::optional<json::object> api_core::get_object(std::string_view api_version,
                                                 std::string_view kind, std::string_view ns,
                                                 std::string_view name) const {
  std::lock_guard guard{mtx_};
  const auto* r = find_kind(api_version, kind);
  if (r == nullptr)
    return std::nullopt;
  const auto* obj = store_.find(*r, r->namespaced ? ns : "", name);
  return obj != nullptr ? std::optional<json::object>{*obj} : std::nullopt;
}

bool api_core::delete_object(std::string_view api_version, std::string_view kind,
                             std::string_view ns, std::string_view name) {
  std::lock_guard guard{mtx_};
  const auto* r = find_kind(api_version, kind);
  if (r == nullptr)
    return false;
  return static_cast<bool>(do_delete(*r, std::string{ns}, std::string{name}, nullptr));
}

std::vector<json::object> api_core::list_objects(std::string_view api_version,
                                                 std::string_view kind, std::string_view ns) const {
  std::lock_guard guard{mtx_};
  std::vector<json::object> out;
  if (const auto* r = find_kind(api_version, kind))
    for (const auto* obj : store_.list(*r, ns))
      out.push_back(*obj);
  return out;
}

uint64_t api_core::resource_version() const {
  std::lock_guard guard{mtx_};
  return store_.resource_version();
}

// -- time, faults, observation ------------------------------------------------------------------

void api_core::tick() {
  std::lock_guard guard{mtx_};
  auto t = now();
  if (faults_.drop_watch_every.count() > 0) {
    if (next_drop_ == sim_clock::time_point{})
      next_drop_ = t + faults_.drop_watch_every;
    if (t >= next_drop_) {
      store_.drop_watches();
      next_drop_ = t + faults_.drop_watch_every;
    }
  }
  if (faults_.expire_history_every.count() > 0) {
    if (next_expiry_ == sim_clock::time_point{})
      next_expiry_ = t + faults_.expire_history_every;
    if (t >= next_expiry_) {
      store_.expire_history();
      next_expiry_ = t + faults_.expire_history_every;
    }
  }
  store_.tick(t);
}

void api_core::set_faults(fault_settings f) {
  std::lock_guard guard{mtx_};
  faults_ = f;
  next_drop_ = {};
  next_expiry_ = {};
}

fault_settings api_core::faults() const {
  std::lock_guard guard{mtx_};
  return faults_;
}

void api_core::drop_watches() {
  std::lock_guard guard{mtx_};
  store_.drop_watches();
}

void api_core::expire_history() {
  std::lock_guard guard{mtx_};
  store_.expire_history();
}

void api_core::finish_watches() {
  std::lock_guard guard{mtx_};
  store_.finish_watches();
}

request_counters api_core::counters() const {
  std::lock_guard guard{mtx_};
  return counters_;
}

size_t api_core::open_watches() const {
  std::lock_guard guard{mtx_};
  return store_.watch_count();
}

std::vector<std::string> api_core::request_log() const {
  std::lock_guard guard{mtx_};
  return {log_.begin(), log_.end()};
}

std::set<api_access> api_core::accesses() const {
  std::lock_guard lock{mtx_};
  return accesses_;
}

} // namespace vcdlb::kube::sim
