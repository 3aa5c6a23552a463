// /api/versions, user/password sessions, OAuth refresh-token exchange, and the per-request
// token check (reference §2).

#include <cstdio>

#include "adapters/vcd/sim/detail/handlers.hpp"
#include "adapters/vcd/sim/detail/ipv4.hpp"
#include "adapters/vcd/sim/detail/text.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

constexpr std::string_view system_org = "System";

http::response unauthorized(ctx& c, std::string_view why) {
  return error_reply(c, 401, "UNAUTHORIZED", why, "unauthorized");
}

// Opaque tokens of 640 characters: govcd tells bearer tokens from legacy session ids by
// length (> 32), so they must be long.
std::string make_token(state& st) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(640);
  while (out.size() < 640) {
    auto x = st.id_rng();
    for (int i = 0; i < 16; ++i)
      out.push_back(hex[(x >> (i * 4)) & 15]);
  }
  return out;
}

std::string legacy_id(state& st) {
  auto t = make_token(st);
  return t.substr(0, 32);
}

session_rec& new_session(ctx& c, std::string user, std::string org_id, std::string org_name,
                         bool provider) {
  session_rec s;
  s.token = make_token(c.st);
  s.legacy_id = legacy_id(c.st);
  s.session_id = "urn:vcloud:session:" + c.st.new_uuid();
  s.user_id = derived_urn("user", org_name + "/" + user);
  s.user_name = std::move(user);
  s.org_id = std::move(org_id);
  s.org_name = std::move(org_name);
  s.provider = provider;
  s.expires = c.now + c.st.faults.token_ttl;
  c.st.legacy[s.legacy_id] = s.token;
  auto token = s.token;
  return c.st.sessions.emplace(token, std::move(s)).first->second;
}

json::object session_json(const session_rec& s) {
  json::object o;
  o["id"] = s.session_id;
  o["site"] = json::object{{"name", "vcd-sim"}, {"id", derived_urn("site", "vcd-sim")}};
  o["user"] = json::object{{"name", s.user_name}, {"id", s.user_id}};
  o["org"] = json::object{{"name", s.org_name}, {"id", s.org_id}};
  o["location"] = "vcd-sim";
  auto role = s.provider ? "System Administrator" : "Organization Administrator";
  o["roles"] = json::array{role};
  o["roleRefs"] = json::array{json::object{{"name", role}, {"id", derived_urn("role", role)}}};
  o["sessionIdleTimeoutMinutes"] = 30;
  return o;
}

http::response login(ctx& c, bool provider_endpoint) {
  auto auth = header_value(c.req.fields, "Authorization");
  if (!auth || auth->substr(0, 6) != "Basic ")
    return unauthorized(c, "Basic authentication with user@org:password is required.");
  auto decoded = base64_decode(auth->substr(6));
  if (!decoded)
    return unauthorized(c, "Malformed Basic credentials.");
  auto colon = decoded->find(':');
  auto at = decoded->rfind('@', colon);
  if (colon == std::string::npos || at == std::string::npos)
    return unauthorized(c, "Credentials must be user@org:password.");
  auto user = decoded->substr(0, at);
  auto org_name = decoded->substr(at + 1, colon - at - 1);
  auto password = decoded->substr(colon + 1);
  bool system = iequals(org_name, system_org);
  // Tenants log in at /sessions, the System org only at /sessions/provider.
  if (system != provider_endpoint)
    return unauthorized(c, "Invalid credentials for this login endpoint.");
  std::string org_id;
  bool ok = false;
  if (system) {
    org_id = derived_urn("org", system_org);
    org_name = system_org;
    for (const auto& u : c.st.sc.provider_users)
      ok = ok || (u.name == user && u.password == password);
  } else if (const auto* o = c.st.find_org_by_name(org_name)) {
    org_id = o->id;
    org_name = o->name;
    for (const auto& u : o->users)
      ok = ok || (u.name == user && u.password == password);
  }
  if (!ok)
    return unauthorized(c, "Invalid credentials.");
  auto& s = new_session(c, user, org_id, org_name, system);
  auto r = json_reply(c, 200, session_json(s));
  r.fields.emplace_back("X-VMWARE-VCLOUD-ACCESS-TOKEN", s.token);
  r.fields.emplace_back("X-VMWARE-VCLOUD-TOKEN-TYPE", "Bearer");
  r.fields.emplace_back("x-vcloud-authorization", s.legacy_id);
  return r;
}

http::response oauth_error(ctx& c, std::string_view error, std::string_view description) {
  c.reason = "unauthorized";
  c.st.reject("unauthorized");
  json::object o{{"error", error}, {"error_description", description}};
  return json_reply(c, 400, o);
}

http::response token_exchange(ctx& c, bool provider) {
  auto form = split_query(c.req.body);
  std::string grant;
  std::string refresh;
  for (auto& [k, v] : form) {
    if (k == "grant_type")
      grant = v;
    else if (k == "refresh_token")
      refresh = v;
  }
  if (grant != "refresh_token")
    return oauth_error(c, "unsupported_grant_type", "only grant_type=refresh_token is supported");
  std::string user;
  std::string org_id;
  std::string org_name;
  if (provider) {
    for (const auto& t : c.st.sc.provider_api_tokens)
      if (t.token == refresh)
        user = t.user;
    org_id = derived_urn("org", system_org);
    org_name = system_org;
  } else if (const auto* o = c.st.find_org_by_name(c.params.at(0))) {
    for (const auto& t : o->api_tokens)
      if (t.token == refresh)
        user = t.user;
    org_id = o->id;
    org_name = o->name;
  }
  if (user.empty() || refresh.empty())
    return oauth_error(c, "invalid_grant", "the refresh token is invalid or revoked");
  auto& s = new_session(c, user, org_id, org_name, provider);
  json::object o;
  o["access_token"] = s.token;
  o["token_type"] = "Bearer";
  o["expires_in"] = c.st.faults.token_ttl.count();
  o["refresh_token"] = nullptr;
  return json_reply(c, 200, o);
}

} // namespace

http::response get_versions(ctx& c) {
  std::string body = "<SupportedVersions xmlns=\"http://www.vmware.com/vcloud/versions\">\n";
  for (int v : c.st.versions) {
    body += "  <VersionInfo deprecated=\"false\">\n    <Version>" + format_version(v)
            + "</Version>\n    <LoginUrl>" + xml_escape(c.base())
            + "/cloudapi/1.0.0/sessions</LoginUrl>\n    <ProviderLoginUrl>" + xml_escape(c.base())
            + "/cloudapi/1.0.0/sessions/provider</ProviderLoginUrl>\n  </VersionInfo>\n";
  }
  body += "</SupportedVersions>\n";
  http::response r;
  r.status = 200;
  r.fields.emplace_back("Content-Type", "application/xml");
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body;
  return r;
}

http::response post_session(ctx& c) {
  return login(c, false);
}

http::response post_provider_session(ctx& c) {
  return login(c, true);
}

http::response get_current_session(ctx& c) {
  return json_reply(c, 200, session_json(*c.session));
}

http::response delete_current_session(ctx& c) {
  c.st.legacy.erase(c.session->legacy_id);
  c.st.sessions.erase(c.session->token);
  c.session = nullptr;
  return no_content(c);
}

http::response post_tenant_token(ctx& c) {
  return token_exchange(c, false);
}

http::response post_provider_token(ctx& c) {
  return token_exchange(c, true);
}

std::optional<http::response> authenticate(ctx& c) {
  std::string token;
  if (auto a = header_value(c.req.fields, "Authorization"); a && a->substr(0, 7) == "Bearer ")
    token = std::string{a->substr(7)};
  else if (auto t = header_value(c.req.fields, "X-VMWARE-VCLOUD-ACCESS-TOKEN"))
    token = std::string{*t};
  else if (auto l = header_value(c.req.fields, "x-vcloud-authorization")) {
    auto i = c.st.legacy.find(std::string{*l});
    if (i != c.st.legacy.end())
      token = i->second;
    else
      return unauthorized(c, "The session is unknown or has expired.");
  }
  if (token.empty())
    return unauthorized(c, "Authentication is required.");
  auto i = c.st.sessions.find(token);
  if (i == c.st.sessions.end())
    return unauthorized(c, "The access token is invalid.");
  if (c.now >= i->second.expires) {
    c.st.legacy.erase(i->second.legacy_id);
    c.st.sessions.erase(i);
    return unauthorized(c, "The access token has expired.");
  }
  c.session = &i->second;
  c.scope_org = c.session->provider ? std::string{} : c.session->org_id;
  // Tenant context: bare uuid or URN both accepted (the CPI sends the URN, govcd the uuid).
  if (auto tc = header_value(c.req.fields, "X-VMWARE-VCLOUD-TENANT-CONTEXT"); tc && !tc->empty()) {
    if (*tc == c.session->org_id || *tc == urn_uuid(c.session->org_id))
      return std::nullopt; // one's own org: no narrowing
    const auto* o = c.st.find_org(*tc);
    if (o == nullptr)
      return forbidden(c, *tc);
    if (!c.session->provider && o->id != c.session->org_id)
      return error_reply(c, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                         "A tenant may not act in the context of another org.", "forbidden");
    c.scope_org = o->id;
  }
  return std::nullopt;
}

} // namespace vcdlb::vcd::sim::detail
