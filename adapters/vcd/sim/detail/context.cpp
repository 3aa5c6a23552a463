#include "adapters/vcd/sim/detail/context.hpp"

#include <algorithm>

#include "adapters/vcd/sim/detail/ipv4.hpp"
#include "adapters/vcd/sim/detail/text.hpp"

namespace vcdlb::vcd::sim::detail {

std::optional<std::string> ctx::q(std::string_view key) const {
  for (const auto& [k, v] : query)
    if (k == key)
      return v;
  return std::nullopt;
}

std::string ctx::base() const {
  if (!st.base_url.empty())
    return st.base_url;
  auto host = header_value(req.fields, "Host");
  return "https://" + std::string{host.value_or("localhost")};
}

namespace {

std::string media(ctx& c) {
  return "application/json;version=" + format_version(c.version ? c.version : c.st.max_version);
}

void add_common(ctx& c, http::response& r) {
  r.fields.emplace_back("X-VMWARE-VCLOUD-REQUEST-ID", c.request_id);
}

} // namespace

http::response json_reply(ctx& c, unsigned status, const json::value& body) {
  http::response r;
  r.status = status;
  r.fields.emplace_back("Content-Type", media(c));
  add_common(c, r);
  r.body = json::serialize(body);
  return r;
}

http::response xml_reply(ctx& c, unsigned status, std::string body, std::string_view media_type) {
  http::response r;
  r.status = status;
  r.fields.emplace_back("Content-Type",
                        std::string{media_type}
                          + ";version=" + format_version(c.version ? c.version : c.st.max_version));
  add_common(c, r);
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + std::move(body);
  return r;
}

http::response error_reply(ctx& c, unsigned status, std::string_view minor,
                           std::string_view message, std::string_view reason) {
  c.reason = std::string{reason};
  c.st.reject(reason);
  if (c.xml) {
    // The legacy API answers with an XML <Error> (nodes-and-legacy-api.md §3.7); JSON only
    // on /cloudapi and when the client asked for it.
    std::string body = "<Error xmlns=\"http://www.vmware.com/vcloud/v1.5\" majorErrorCode=\""
                       + std::to_string(status) + "\" minorErrorCode=\"" + xml_escape(minor)
                       + "\" message=\""
                       + xml_escape("[ " + c.request_id + " ] " + std::string{message})
                       + "\" stackTrace=\"com.vmware.vcloud.api.presentation.service."
                       + xml_escape(minor) + "\"/>\n";
    return xml_reply(c, status, std::move(body), "application/vnd.vmware.vcloud.error+xml");
  }
  json::object o;
  o["minorErrorCode"] = minor;
  o["message"] = "[ " + c.request_id + " ] " + std::string{message};
  o["stackTrace"] = "com.vmware.vcloud.api.presentation.service." + std::string{minor};
  return json_reply(c, status, o);
}

http::response bad_request(ctx& c, std::string_view message, std::string_view reason) {
  return error_reply(c, 400, "BAD_REQUEST", message, reason);
}

http::response forbidden(ctx& c, std::string_view id) {
  return error_reply(c, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                     "Either you need some or all of the following rights [ ] to perform "
                     "operations [ ] for "
                       + std::string{id} + " or the target entity is invalid.",
                     "unknown_urn");
}

http::response accepted(ctx& c, const task_rec& t) {
  http::response r;
  r.status = 202;
  r.fields.emplace_back("Location", c.base() + "/api/task/" + t.uuid);
  add_common(c, r);
  return r;
}

http::response no_content(ctx& c) {
  http::response r;
  r.status = 204;
  add_common(c, r);
  return r;
}

std::optional<std::string> name_filter_hint(const ctx& c) {
  auto f = c.q("filter");
  // Only a pure conjunction is safe to narrow by one of its terms.
  if (!f || f->find_first_of(",()") != std::string::npos
      || c.q("filterEncoded").value_or("") == "true")
    return std::nullopt;
  std::string_view rest = *f;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    auto term = rest.substr(0, semi);
    if (term.rfind("name==", 0) == 0 && term.size() > 6)
      return std::string{term.substr(6)};
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
  }
  return std::nullopt;
}

std::optional<http::response> check_busy(ctx& c, const gateway_rec& g) {
  if (g.lock_task.empty() || !c.st.faults.gateway_lock)
    return std::nullopt;
  const auto& t = c.st.tasks.at(g.lock_task);
  // The canonical text clients have regex-matched for a decade (reference §4.3).
  return error_reply(c, 400, "BUSY_ENTITY",
                     "The entity Ref: com.vmware.vcloud.entity.gateway:"
                       + std::string{urn_uuid(g.id)} + " is busy completing an operation "
                       + t.operation_name + ".",
                     "busy_entity");
}

namespace {

int compare_json(const json::value* a, const json::value* b) {
  if (a == nullptr || b == nullptr)
    return (a == nullptr) - (b == nullptr);
  if (a->is_number() && b->is_number()) {
    double x = a->to_number<double>();
    double y = b->to_number<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  auto sa = a->is_string() ? std::string{a->get_string()} : json::serialize(*a);
  auto sb = b->is_string() ? std::string{b->get_string()} : json::serialize(*b);
  return sa.compare(sb) < 0 ? -1 : (sa == sb ? 0 : 1);
}

} // namespace

http::response list_reply(ctx& c, std::vector<json::value> items,
                          std::initializer_list<std::string_view> searchable,
                          const fiql_special& special) {
  auto filter = c.q("filter");
  bool encoded = c.q("filterEncoded").value_or("") == "true";
  if (filter && !filter->empty()) {
    auto ast = parse_fiql(*filter, encoded);
    if (!ast)
      return bad_request(c, "QueryParseException: Cannot parse the supplied filter: " + *filter,
                         "bad_filter");
    std::vector<std::string> fields;
    fiql_fields(*ast, fields);
    for (const auto& f : fields)
      if (std::find(searchable.begin(), searchable.end(), f) == searchable.end())
        return bad_request(c, "Field '" + f + "' is not searchable (NonSearchable).", "bad_filter");
    std::vector<json::value> kept;
    for (auto& v : items)
      if (fiql_match(*ast, v, special))
        kept.push_back(std::move(v));
    items = std::move(kept);
  }
  auto sort_asc = c.q("sortAsc");
  auto sort_desc = c.q("sortDesc");
  if (sort_asc || sort_desc) {
    std::string key = sort_asc ? *sort_asc : *sort_desc;
    bool asc = static_cast<bool>(sort_asc);
    std::stable_sort(items.begin(), items.end(), [&](const json::value& a, const json::value& b) {
      int r = compare_json(json_path(a, key), json_path(b, key));
      return asc ? r < 0 : r > 0;
    });
  }
  int64_t page = 1;
  int64_t page_size = 25;
  try {
    if (auto p = c.q("page"))
      page = std::stoll(*p);
    if (auto p = c.q("pageSize"))
      page_size = std::stoll(*p);
  } catch (const std::exception&) {
    return bad_request(c, "page and pageSize must be integers", "invalid_value");
  }
  if (page < 1 || page_size < 1)
    return bad_request(c, "page and pageSize must be positive", "invalid_value");
  if (page_size > c.st.sc.max_page_size) {
    if (c.st.sc.reject_oversized_page)
      return bad_request(c, "pageSize must be at most " + std::to_string(c.st.sc.max_page_size),
                         "invalid_value");
    page_size = c.st.sc.max_page_size;
  }
  auto total = static_cast<int64_t>(items.size());
  int64_t page_count = (total + page_size - 1) / page_size;
  json::array values;
  for (int64_t i = (page - 1) * page_size; i < std::min(total, page * page_size); ++i) {
    auto& v = items[static_cast<size_t>(i)];
    // Fields starting with '_' only served the filter (hidden, write-only values).
    if (v.is_object()) {
      std::vector<std::string> hidden;
      for (const auto& kv : v.get_object())
        if (!kv.key().empty() && kv.key().front() == '_')
          hidden.emplace_back(kv.key());
      for (const auto& k : hidden)
        v.get_object().erase(k);
    }
    values.push_back(std::move(v));
  }
  json::object env;
  env["resultTotal"] = total;
  env["pageCount"] = page_count;
  env["page"] = page;
  env["pageSize"] = page_size;
  env["associations"] = json::array{};
  env["values"] = std::move(values);
  auto r = json_reply(c, 200, env);
  // Link headers; rels sharing a URL are listed together ("lastPage nextPage").
  auto url_for = [&](int64_t p) {
    std::string u =
      c.base() + c.path + "?page=" + std::to_string(p) + "&pageSize=" + std::to_string(page_size);
    if (filter && !filter->empty())
      u += "&filter=" + url_encode(*filter);
    if (encoded)
      u += "&filterEncoded=true";
    if (sort_asc)
      u += "&sortAsc=" + url_encode(*sort_asc);
    if (sort_desc)
      u += "&sortDesc=" + url_encode(*sort_desc);
    return u;
  };
  std::vector<std::pair<int64_t, std::string>> rels;
  if (page_count > 0) {
    rels.emplace_back(1, "firstPage");
    if (page > 1 && page <= page_count)
      rels.emplace_back(page - 1, "previousPage");
    if (page < page_count)
      rels.emplace_back(page + 1, "nextPage");
    rels.emplace_back(page_count, "lastPage");
  }
  std::vector<std::pair<int64_t, std::string>> merged;
  for (auto& [p, rel] : rels) {
    auto i = std::find_if(merged.begin(), merged.end(), [&p = p](auto& m) { return m.first == p; });
    if (i == merged.end())
      merged.emplace_back(p, rel);
    else
      i->second += " " + rel;
  }
  for (auto& [p, rel] : merged)
    r.fields.emplace_back("Link",
                          "<" + url_for(p) + ">;rel=\"" + rel + "\";type=\"application/json\"");
  return r;
}

std::optional<json::object> parse_body(ctx& c, http::response& error) {
  json::error_code ec;
  auto v = json::parse(c.req.body, ec);
  if (ec || !v.is_object()) {
    error = bad_request(c, "The request body is not a JSON object.", "invalid_value");
    return std::nullopt;
  }
  return std::move(v.as_object());
}

std::string str_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string())
    return {};
  return std::string{v->get_string()};
}

std::string ref_id(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_object())
    return {};
  return str_field(v->get_object(), "id");
}

bool has_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && !v->is_null();
}

std::optional<int64_t> int_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (v == nullptr)
    return std::nullopt;
  if (v->is_int64())
    return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v->get_uint64());
  return std::nullopt;
}

} // namespace vcdlb::vcd::sim::detail
