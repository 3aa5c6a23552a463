#include "adapters/vcd/beast_client.hpp"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "adapters/vcd/detail/entity_json.hpp"
#include "adapters/vcd/detail/http_util.hpp"
#include "adapters/vcd/detail/json.hpp"
#include "adapters/vcd/detail/legacy_xml.hpp"
#include "adapters/vcd/detail/xml.hpp"
#include "adapters/vcd/errors.hpp"
#include "caf/atom.hpp"

namespace vcdlb::vcd {

namespace {

const std::string cloudapi = "/cloudapi/1.0.0";
constexpr size_t max_pages = 100'000; // guards against a server that never stops paging

bool is_success(unsigned status) {
  return status >= 200 && status < 300;
}

std::string uuid_of(const std::string& urn) {
  auto pos = urn.rfind(':');
  return pos == std::string::npos ? urn : urn.substr(pos + 1);
}

// Encodes an id for use as one path segment; URN colons stay readable.
std::string segment(std::string_view id) {
  std::string out;
  for (char c : id) {
    if (c == ':' || c == '@')
      out += c;
    else
      out += url_encode(std::string_view{&c, 1});
  }
  return out;
}

std::string path_of(std::string_view target) {
  return std::string{target.substr(0, target.find('?'))};
}

caf::error from_transport(const caf::error& err) {
  if (err.category() == caf::atom("vcd"))
    return err;
  auto detail = describe(err);
  if (err.category() == caf::atom("net")) {
    switch (static_cast<net_errc>(err.code())) {
    case net_errc::tls_failed:
      // Say which settings fix it: most often VCD's certificate is signed by a private CA.
      return caf::make_error(vcd_errc::tls_failed,
                             std::move(detail)
                               + " (to trust VCD's CA, pass --vcd-ca-file FILE or set "
                                 "vcd.tls.caFile in the --vcdlb-config file or "
                                 "vcdlb.vcd.tls.caFile in the cloud config; "
                                 "vcd.tls.insecureSkipVerify: true turns verification off)");
    case net_errc::protocol_error:
    case net_errc::body_too_large:
      return caf::make_error(vcd_errc::bad_response, std::move(detail));
    case net_errc::cancelled:
      return caf::make_error(vcd_errc::cancelled, std::move(detail));
    default:
      break;
    }
  }
  // Resolve/connect failures, timeouts and resets: the request may be retried.
  return caf::make_error(vcd_errc::unavailable, std::move(detail));
}

// VCD's messages are a sentence or two; some carry a whole stack trace.
constexpr size_t max_error_message = 512;

caf::error from_response(const http::response& r, bool by_id) {
  auto body = detail::decode_error_body(r.body);
  if (body.message.empty() && body.minor_error_code.empty()) {
    // The legacy API (/api) answers with an XML <Error> (nodes-and-legacy-api.md §3.7).
    auto xml = detail::decode_xml_error(r.body);
    if (xml.ok) {
      body.minor_error_code = std::move(xml.minor_error_code);
      body.message = std::move(xml.message);
    }
  }
  // Bounded: a message ends up in logs, Events and the Service's status.
  auto message = detail::bounded(body.message, max_error_message);
  if (message.empty() && body.minor_error_code.empty()) {
    // Not a CloudAPI error body (a proxy's HTML page, XML): its title or text, short.
    message = detail::readable_body(r.body, 200);
  }
  return make_http_error(r.status, body.minor_error_code, message,
                         detail::retry_after_seconds(r.fields), by_id);
}

std::string api_list(const std::vector<std::string>& versions) {
  std::string out;
  for (const auto& v : versions)
    out += (out.empty() ? "" : ", ") + v;
  return out;
}

} // namespace

// -- construction ---------------------------------------------------------------------------------

connection_options make_connection_options(const config::cloud_config& cfg,
                                           const config::credentials& creds) {
  connection_options out;
  out.http.base_url = cfg.vcd.host;
  out.http.tls.verify = !cfg.vcdlb.tls.insecure_skip_verify;
  out.http.tls.ca_file = cfg.vcdlb.tls.ca_file;
  out.http.request_timeout = cfg.vcdlb.request_timeout;
  out.http.max_connections =
    static_cast<size_t>(std::max(cfg.vcdlb.vcd_max_concurrent_requests, 1));
  out.http.proxy_from_environment = true;
  out.client.org = cfg.vcd.org;
  out.client.vdc = cfg.vcd.vdc;
  out.client.user = creds.user;
  out.client.user_org = creds.org;
  if (creds.method == config::auth_method::refresh_token)
    out.client.refresh_token = creds.refresh_token;
  else
    out.client.password = creds.password;
  out.client.request_timeout = cfg.vcdlb.request_timeout;
  return out;
}

std::shared_ptr<beast_client> beast_client::make(std::shared_ptr<http::client> http,
                                                 std::string base_url, beast_client_options opts) {
  return std::make_shared<beast_client>(std::move(http), std::move(base_url), std::move(opts));
}

caf::expected<std::shared_ptr<beast_client>> beast_client::connect(boost::asio::io_context& io,
                                                                   http::client_options http_opts,
                                                                   beast_client_options opts) {
  auto base_url = http_opts.base_url;
  auto http = http::client::make(io, std::move(http_opts));
  if (!http)
    return std::move(http.error());
  return make(std::move(*http), std::move(base_url), std::move(opts));
}

beast_client::beast_client(std::shared_ptr<http::client> http, std::string base_url,
                           beast_client_options opts)
  : http_(std::move(http)), base_url_(std::move(base_url)),
    base_path_(detail::base_path_of(base_url_)), opts_(std::move(opts)) {
  // Nothing else: the first operation logs in.
}

size_t beast_client::login_count() const {
  std::lock_guard guard{mtx_};
  return login_count_;
}

// -- requests -------------------------------------------------------------------------------------

void beast_client::send_raw(http::request req, bool by_id, response_cb done) {
  auto method = req.method;
  auto path = path_of(req.target);
  http_->async_request(
    std::move(req),
    [done = std::move(done), by_id, method, path](caf::expected<http::response> r) {
      if (!r) {
        spdlog::debug("vcd {} {} failed: {}", method, path, describe(r.error()));
        return done(from_transport(r.error()));
      }
      spdlog::debug("vcd {} {} -> {}", method, path, r->status);
      if (is_success(r->status))
        return done(std::move(*r));
      done(from_response(*r, by_id));
    },
    opts_.request_timeout);
}

// Session waiters capture `this`, not a shared_ptr: `waiters_` holds them, and a strong
// reference would be a cycle that leaks the client when it goes away with a login in flight.
// They run only inside ensure_session or finish_login, i.e. while the client is alive.
void beast_client::call(call_spec spec, response_cb done) {
  ensure_session(-1,
                 [this, spec = std::move(spec), done = std::move(done)](caf::error err) mutable {
                   if (err)
                     return done(std::move(err));
                   send(std::move(spec), false, std::move(done));
                 });
}

void beast_client::send(call_spec spec, bool replayed, response_cb done) {
  if (spec.method != "GET" && opts_.before_write)
    if (auto err = opts_.before_write())
      return done(std::move(err));
  http::request req;
  int64_t generation = 0;
  {
    std::lock_guard guard{mtx_};
    generation = generation_;
    req.method = spec.method;
    req.target = spec.target;
    req.fields.emplace_back("Accept",
                            (spec.xml ? "application/*+xml;version=" : "application/json;version=")
                              + api_version_);
    req.fields.emplace_back("Authorization", "Bearer " + token_);
    if (!tenant_context_.empty())
      req.fields.emplace_back("X-VMWARE-VCLOUD-TENANT-CONTEXT", tenant_context_);
  }
  if (!spec.if_match.empty())
    req.fields.emplace_back("If-Match", spec.if_match);
  if (!spec.body.empty()) {
    req.fields.emplace_back("Content-Type", "application/json");
    req.body = spec.body;
  }
  auto method = req.method;
  auto path = path_of(req.target);
  http_->async_request(
    std::move(req),
    [self = shared_from_this(), spec = std::move(spec), replayed, generation, method, path,
     done = std::move(done)](caf::expected<http::response> r) mutable {
      if (!r) {
        spdlog::debug("vcd {} {} failed: {}", method, path, describe(r.error()));
        return done(from_transport(r.error()));
      }
      spdlog::debug("vcd {} {} -> {}", method, path, r->status);
      if (r->status == 401 && !replayed) {
        // The token expired: log in again (once for everyone who saw it) and replay once.
        auto* client = self.get();
        return self->ensure_session(generation, [client, spec = std::move(spec),
                                                 done = std::move(done)](caf::error err) mutable {
          if (err)
            return done(std::move(err));
          client->send(std::move(spec), true, std::move(done));
        });
      }
      if (is_success(r->status))
        return done(std::move(*r));
      done(from_response(*r, spec.by_id));
    },
    opts_.request_timeout);
}

// -- session --------------------------------------------------------------------------------------

void beast_client::ensure_session(int64_t stale_generation, ready_cb done) {
  {
    std::unique_lock guard{mtx_};
    if (shut_down_) {
      guard.unlock();
      return done(caf::make_error(vcd_errc::cancelled, "the VCD client is shut down"));
    }
    if (stale_generation >= 0 && stale_generation == generation_)
      token_.clear(); // the token of that generation was refused
    if (!token_.empty() && refresh_at_ && opts_.clock() >= *refresh_at_)
      token_.clear(); // close to expiry: renew before using it again
    if (!token_.empty()) {
      guard.unlock();
      return done({});
    }
    waiters_.push_back(std::move(done));
    if (logging_in_)
      return;
    logging_in_ = true;
  }
  start_login();
}

void beast_client::start_login() {
  std::string version;
  {
    std::lock_guard guard{mtx_};
    version = api_version_;
  }
  if (!version.empty())
    return login_with_version(std::move(version));
  http::request req;
  req.method = "GET";
  req.target = "/api/versions";
  req.fields.emplace_back("Accept", "application/*+xml");
  send_raw(std::move(req), false, [self = shared_from_this()](caf::expected<http::response> r) {
    if (!r)
      return self->finish_login(std::move(r.error()), {}, {}, {});
    auto versions = detail::decode_versions(r->body);
    if (!versions)
      return self->finish_login(std::move(versions.error()), {}, {}, {});
    std::string max;
    for (const auto& v : *versions)
      if (max.empty() || compare_api_versions(v, max) > 0)
        max = v;
    std::string chosen;
    for (const auto& want : self->opts_.api_versions) {
      auto listed = std::any_of(versions->begin(), versions->end(),
                                [&](const auto& v) { return compare_api_versions(v, want) == 0; });
      if (listed) {
        chosen = want;
        break;
      }
    }
    if (chosen.empty())
      return self->finish_login(
        caf::make_error(vcd_errc::unsupported, "VCD offers API versions [" + api_list(*versions)
                                                 + "], none of which vcdlb speaks ["
                                                 + api_list(self->opts_.api_versions) + "]"),
        {}, {}, {});
    {
      std::lock_guard guard{self->mtx_};
      self->api_version_ = chosen;
      self->max_server_version_ = max;
    }
    spdlog::info("vcd: using API version {} (server maximum {})", chosen, max);
    self->login_with_version(chosen);
  });
}

void beast_client::login_with_version(std::string version) {
  const auto& login_org = opts_.user_org.empty() ? opts_.org : opts_.user_org;
  const bool provider = detail::iequals(login_org, "system");
  http::request req;
  req.method = "POST";
  req.fields.emplace_back("Accept", "application/json;version=" + version);
  if (!opts_.refresh_token.empty()) {
    req.target =
      provider ? "/oauth/provider/token" : "/oauth/tenant/" + url_encode(login_org) + "/token";
    req.fields.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    req.body = "grant_type=refresh_token&refresh_token=" + url_encode(opts_.refresh_token.reveal());
    return send_raw(
      std::move(req), false, [self = shared_from_this(), version](caf::expected<http::response> r) {
        if (!r)
          return self->finish_login(std::move(r.error()), {}, {}, {});
        auto token = detail::decode_oauth_token(r->body);
        if (!token)
          return self->finish_login(std::move(token.error()), {}, {}, {});
        if (token->access_token.empty())
          return self->finish_login(
            caf::make_error(vcd_errc::bad_response, "the token response carries no access_token"),
            {}, {}, {});
        {
          std::lock_guard guard{self->mtx_};
          self->token_lifetime_s_ = token->expires_in;
        }
        self->after_token(version, std::move(token->access_token), {}, {}, false);
      });
  }
  if (opts_.user.empty())
    return finish_login(caf::make_error(vcd_errc::unauthorized,
                                        "no VCD credentials configured (user or refresh token)"),
                        {}, {}, {});
  req.target = cloudapi + (provider ? "/sessions/provider" : "/sessions");
  req.fields.emplace_back(
    "Authorization",
    "Basic " + detail::base64_encode(opts_.user + "@" + login_org + ":" + opts_.password.reveal()));
  send_raw(std::move(req), false,
           [self = shared_from_this(), version](caf::expected<http::response> r) {
             if (!r)
               return self->finish_login(std::move(r.error()), {}, {}, {});
             auto token = detail::header_value(r->fields, "X-VMWARE-VCLOUD-ACCESS-TOKEN");
             if (!token || token->empty())
               return self->finish_login(
                 caf::make_error(vcd_errc::bad_response,
                                 "the session response carries no X-VMWARE-VCLOUD-ACCESS-TOKEN"),
                 {}, {}, {});
             auto body = detail::decode_session(r->body);
             if (!body)
               return self->after_token(version, std::string{*token}, {}, {}, false);
             self->after_token(version, std::string{*token}, std::move(body->org),
                               std::move(body->user), true);
           });
}

void beast_client::after_token(std::string version, std::string token, entity_ref org,
                               entity_ref user, bool have_session) {
  const auto& login_org = opts_.user_org.empty() ? opts_.org : opts_.user_org;
  session_info info;
  info.api_version = version;
  {
    std::lock_guard guard{mtx_};
    info.max_server_version = max_server_version_;
  }
  info.provider = detail::iequals(login_org, "system");
  if (have_session) {
    info.org = std::move(org);
    info.user = std::move(user);
    return resolve_tenant(std::move(version), std::move(token), std::move(info));
  }
  // A token exchange says nothing about the session: ask for it (API 34.0+).
  http::request req;
  req.method = "GET";
  req.target = cloudapi + "/sessions/current";
  req.fields.emplace_back("Accept", "application/json;version=" + version);
  req.fields.emplace_back("Authorization", "Bearer " + token);
  send_raw(std::move(req), false,
           [self = shared_from_this(), version, token,
            info = std::move(info)](caf::expected<http::response> r) mutable {
             if (!r) {
               if (has_code(r.error(), vcd_errc::unauthorized)
                   || has_code(r.error(), vcd_errc::unavailable)
                   || has_code(r.error(), vcd_errc::tls_failed)
                   || has_code(r.error(), vcd_errc::cancelled))
                 return self->finish_login(std::move(r.error()), {}, {}, {});
               spdlog::warn("vcd: cannot read the current session ({}); continuing without it",
                            describe(r.error()));
             } else if (auto body = detail::decode_session(r->body)) {
               info.org = body->org;
               info.user = body->user;
             }
             self->resolve_tenant(std::move(version), std::move(token), std::move(info));
           });
}

void beast_client::resolve_tenant(std::string version, std::string token, session_info info) {
  const bool same_org =
    opts_.org.empty() || info.org.name.empty() || detail::iequals(info.org.name, opts_.org);
  if (!info.org.id.empty() && same_org) {
    if (info.org.name.empty())
      info.org.name = opts_.org;
    auto tenant = uuid_of(info.org.id);
    return finish_login({}, std::move(token), std::move(info), std::move(tenant));
  }
  if (opts_.org.empty())
    return finish_login({}, std::move(token), std::move(info), {});
  // A provider (System org) working inside a tenant org: find the org's id for the
  // tenant-context header.
  http::request req;
  req.method = "GET";
  req.target = cloudapi + "/orgs?" + fiql::eq("name", opts_.org).query_parameters();
  req.fields.emplace_back("Accept", "application/json;version=" + version);
  req.fields.emplace_back("Authorization", "Bearer " + token);
  send_raw(std::move(req), false,
           [self = shared_from_this(), token,
            info = std::move(info)](caf::expected<http::response> r) mutable {
             info.org = {self->opts_.org, ""};
             if (!r) {
               if (has_code(r.error(), vcd_errc::unauthorized)
                   || has_code(r.error(), vcd_errc::unavailable))
                 return self->finish_login(std::move(r.error()), {}, {}, {});
               spdlog::warn("vcd: cannot look up org '{}' ({}); no tenant context", self->opts_.org,
                            describe(r.error()));
               return self->finish_login({}, std::move(token), std::move(info), {});
             }
             auto orgs = detail::decode_entity_ref_page(r->body);
             if (orgs)
               for (const auto& o : orgs->values)
                 if (detail::iequals(o.name, self->opts_.org))
                   info.org = o;
             auto tenant = info.org.id.empty() ? std::string{} : uuid_of(info.org.id);
             self->finish_login({}, std::move(token), std::move(info), std::move(tenant));
           });
}

void beast_client::finish_login(caf::error err, std::string token, session_info info,
                                std::string tenant) {
  std::vector<ready_cb> waiters;
  auto org_name = info.org.name;
  {
    std::lock_guard guard{mtx_};
    logging_in_ = false;
    waiters.swap(waiters_);
    if (!err) {
      // OAuth tokens are renewed at 80% of their lifetime, before VCD starts refusing them.
      refresh_at_.reset();
      if (token_lifetime_s_ > 0)
        refresh_at_ = opts_.clock() + std::chrono::milliseconds{token_lifetime_s_ * 800};
      token_lifetime_s_ = -1;
      token_ = std::move(token);
      tenant_context_ = std::move(tenant);
      session_ = std::move(info);
      ++generation_;
      ++login_count_;
    }
  }
  if (err)
    spdlog::warn("vcd: login failed: {}", describe(err));
  else
    spdlog::debug("vcd: logged in to org '{}'", org_name);
  if (opts_.on_login)
    opts_.on_login(!err);
  for (auto& w : waiters)
    w(err);
}

void beast_client::shutdown() {
  std::vector<ready_cb> waiters;
  {
    std::lock_guard guard{mtx_};
    if (shut_down_)
      return;
    shut_down_ = true;
    waiters.swap(waiters_);
  }
  http_->shutdown();
  for (auto& w : waiters)
    w(caf::make_error(vcd_errc::cancelled, "the VCD client is shut down"));
}

void beast_client::login(callback<session_info> done) {
  ensure_session(-1, [this, done = std::move(done)](caf::error err) {
    if (err)
      return done(std::move(err));
    session_info info;
    {
      std::lock_guard guard{mtx_};
      info = session_;
    }
    done(std::move(info));
  });
}

// -- generic operations ---------------------------------------------------------------------------

template <class T, class Decode>
void beast_client::fetch_all(std::string path, std::string query, Decode decode,
                             callback<std::vector<T>> done) {
  struct state {
    std::string path;
    std::string query;
    Decode decode;
    callback<std::vector<T>> done;
    std::vector<T> values;
    size_t page = 1;
  };
  auto st = std::make_shared<state>(
    state{std::move(path), std::move(query), std::move(decode), std::move(done), {}, 1});
  // Each step fetches one page and schedules the next from the completion of this one.
  auto step = std::make_shared<std::function<void()>>();
  *step = [self = shared_from_this(), st, weak_step = std::weak_ptr{step}]() {
    auto target = st->path + "?" + (st->query.empty() ? "" : st->query + "&") + "page="
                  + std::to_string(st->page) + "&pageSize=" + std::to_string(self->opts_.page_size);
    self->call({"GET", std::move(target), "", false, false}, [st, next = weak_step.lock()](
                                                               caf::expected<http::response> r) {
      if (!r)
        return st->done(std::move(r.error()));
      auto page = st->decode(r->body);
      if (!page)
        return st->done(std::move(page.error()));
      auto got = page->values.size();
      for (auto& v : page->values)
        st->values.push_back(std::move(v));
      // pageCount decides; without it resultTotal; without both, a short page ends.
      bool more = false;
      if (got == 0)
        more = false;
      else if (page->page_count > 0)
        more = static_cast<int64_t>(st->page) < page->page_count;
      else if (page->result_total >= 0)
        more = static_cast<int64_t>(st->values.size()) < page->result_total;
      else
        more = got >= (page->page_size > 0 ? static_cast<size_t>(page->page_size) : size_t{1});
      if (!more)
        return st->done(std::move(st->values));
      if (++st->page > max_pages)
        return st->done(
          caf::make_error(vcd_errc::bad_response,
                          "more than " + std::to_string(max_pages) + " pages from " + st->path));
      (*next)();
    });
  };
  (*step)();
}

template <class T, class Decode>
void beast_client::fetch_one(std::string target, Decode decode, callback<T> done) {
  call({"GET", std::move(target), "", true, false},
       [decode = std::move(decode), done = std::move(done)](caf::expected<http::response> r) {
         if (!r)
           return done(std::move(r.error()));
         auto v = decode(r->body);
         if (!v)
           return done(std::move(v.error()));
         done(std::move(*v));
       });
}

void beast_client::mutate(std::string method, std::string target, std::string body, bool by_id,
                          callback<task_ref> done) {
  call({std::move(method), std::move(target), std::move(body), by_id, false},
       [done = std::move(done)](caf::expected<http::response> r) {
         if (!r)
           return done(std::move(r.error()));
         if (r->status != 202)
           return done(task_ref{}); // completed synchronously (200, 201, 204)
         auto location = detail::header_value(r->fields, "Location");
         if (!location || location->empty())
           return done(
             caf::make_error(vcd_errc::bad_response, "202 Accepted without a Location header"));
         task_ref ref;
         ref.href = std::string{*location};
         auto path = path_of(ref.href);
         while (!path.empty() && path.back() == '/')
           path.pop_back();
         ref.id = path.substr(path.rfind('/') + 1);
         done(std::move(ref));
       });
}

// -- discovery ------------------------------------------------------------------------------------

void beast_client::get_org_vdc_network(std::string name, callback<org_vdc_network> done) {
  auto query = fiql::eq("name", name).query_parameters();
  fetch_all<org_vdc_network>(
    cloudapi + "/orgVdcNetworks", std::move(query), detail::decode_org_vdc_network_page,
    [self = shared_from_this(), name,
     done = std::move(done)](caf::expected<std::vector<org_vdc_network>> r) mutable {
      if (!r)
        return done(std::move(r.error()));
      const auto& vdc = self->opts_.vdc;
      std::vector<org_vdc_network> found;
      for (auto& n : *r) {
        if (n.name != name)
          continue;
        // As upstream: a network of our VDC, or a VDC-group network (no orgVdc).
        bool ours =
          vdc.empty() || n.org_vdc.empty() || n.org_vdc.name == vdc || n.org_vdc.id == vdc;
        if (ours)
          found.push_back(std::move(n));
      }
      if (found.empty())
        return done(caf::make_error(vcd_errc::not_found, "no org VDC network named '" + name
                                                           + "' in VDC '" + vdc + "'"));
      if (found.size() > 1)
        return done(
          caf::make_error(vcd_errc::conflict, "found more than one network named '" + name + "'"));
      auto net = std::move(found.front());
      if (!net.router_ref.id.empty())
        return done(std::move(net));
      // Some list responses leave out the connection: read the network itself.
      self->fetch_one<org_vdc_network>(
        cloudapi + "/orgVdcNetworks/" + segment(net.id), detail::decode_org_vdc_network,
        [name, done = std::move(done)](caf::expected<org_vdc_network> full) {
          if (full && full->router_ref.id.empty())
            return done(caf::make_error(
              vcd_errc::not_found, "network '" + name + "' is not connected to an edge gateway"));
          done(std::move(full));
        });
    });
}

void beast_client::get_edge_gateway(std::string gateway_id, callback<edge_gateway> done) {
  fetch_one<edge_gateway>(cloudapi + "/edgeGateways/" + segment(gateway_id),
                          detail::decode_edge_gateway, std::move(done));
}

void beast_client::list_used_ip_addresses(std::string gateway_id,
                                          callback<std::vector<used_ip>> done) {
  fetch_all<used_ip>(cloudapi + "/edgeGateways/" + segment(gateway_id) + "/usedIpAddresses", "",
                     detail::decode_used_ip_page, std::move(done));
}

void beast_client::list_seg_assignments(std::string gateway_id,
                                        callback<std::vector<seg_assignment>> done) {
  fetch_all<seg_assignment>(cloudapi + "/loadBalancer/serviceEngineGroups/assignments",
                            fiql::eq("gatewayRef.id", gateway_id).query_parameters(),
                            detail::decode_seg_assignment_page, std::move(done));
}

// -- pools ----------------------------------------------------------------------------------------

void beast_client::list_pool_summaries(std::string gateway_id, fiql filter,
                                       callback<std::vector<pool_summary>> done) {
  fetch_all<pool_summary>(
    cloudapi + "/edgeGateways/" + segment(gateway_id) + "/loadBalancer/poolSummaries",
    filter.query_parameters(), detail::decode_pool_summary_page, std::move(done));
}

void beast_client::get_pool(std::string pool_id, callback<pool> done) {
  fetch_one<pool>(cloudapi + "/loadBalancer/pools/" + segment(pool_id), detail::decode_pool,
                  std::move(done));
}

void beast_client::create_pool(pool p, callback<task_ref> done) {
  mutate("POST", cloudapi + "/loadBalancer/pools", detail::encode_pool(p), false, std::move(done));
}

void beast_client::update_pool(pool p, callback<task_ref> done) {
  mutate("PUT", cloudapi + "/loadBalancer/pools/" + segment(p.id), detail::encode_pool(p), true,
         std::move(done));
}

void beast_client::delete_pool(std::string pool_id, callback<task_ref> done) {
  mutate("DELETE", cloudapi + "/loadBalancer/pools/" + segment(pool_id), "", true, std::move(done));
}

// -- virtual services -----------------------------------------------------------------------------

void beast_client::list_virtual_service_summaries(
  std::string gateway_id, fiql filter, callback<std::vector<virtual_service_summary>> done) {
  fetch_all<virtual_service_summary>(
    cloudapi + "/edgeGateways/" + segment(gateway_id) + "/loadBalancer/virtualServiceSummaries",
    filter.query_parameters(), detail::decode_virtual_service_summary_page, std::move(done));
}

void beast_client::get_virtual_service(std::string vs_id, callback<virtual_service> done) {
  fetch_one<virtual_service>(cloudapi + "/loadBalancer/virtualServices/" + segment(vs_id),
                             detail::decode_virtual_service, std::move(done));
}

void beast_client::create_virtual_service(virtual_service vs, callback<task_ref> done) {
  mutate("POST", cloudapi + "/loadBalancer/virtualServices", detail::encode_virtual_service(vs),
         false, std::move(done));
}

void beast_client::update_virtual_service(virtual_service vs, callback<task_ref> done) {
  mutate("PUT", cloudapi + "/loadBalancer/virtualServices/" + segment(vs.id),
         detail::encode_virtual_service(vs), true, std::move(done));
}

void beast_client::delete_virtual_service(std::string vs_id, callback<task_ref> done) {
  mutate("DELETE", cloudapi + "/loadBalancer/virtualServices/" + segment(vs_id), "", true,
         std::move(done));
}

// -- NAT rules ------------------------------------------------------------------------------------

void beast_client::list_nat_rules(std::string gateway_id, callback<std::vector<nat_rule>> done) {
  // Cursor paging: the next page is only given by `Link: <...cursor=...>; rel="nextPage"`.
  struct state {
    callback<std::vector<nat_rule>> done;
    std::vector<nat_rule> values;
    std::string target;
    size_t pages = 0;
  };
  auto st = std::make_shared<state>();
  st->done = std::move(done);
  st->target = cloudapi + "/edgeGateways/" + segment(gateway_id)
               + "/nat/rules?pageSize=" + std::to_string(opts_.page_size);
  auto step = std::make_shared<std::function<void()>>();
  *step = [self = shared_from_this(), st, weak_step = std::weak_ptr{step}]() {
    self->call({"GET", st->target, "", false, false},
               [self, st, next = weak_step.lock()](caf::expected<http::response> r) {
                 if (!r)
                   return st->done(std::move(r.error()));
                 auto page = detail::decode_nat_rule_page(r->body);
                 if (!page)
                   return st->done(std::move(page.error()));
                 for (auto& v : page->values)
                   st->values.push_back(std::move(v));
                 auto link = detail::next_page_link(r->fields);
                 if (!link || page->values.empty())
                   return st->done(std::move(st->values));
                 auto target = detail::target_from_url(*link, self->base_path_);
                 if (target == st->target || ++st->pages > max_pages)
                   return st->done(
                     caf::make_error(vcd_errc::bad_response, "NAT rule paging does not advance"));
                 st->target = std::move(target);
                 (*next)();
               });
  };
  (*step)();
}

void beast_client::get_nat_rule(std::string gateway_id, std::string rule_id,
                                callback<nat_rule> done) {
  fetch_one<nat_rule>(cloudapi + "/edgeGateways/" + segment(gateway_id) + "/nat/rules/"
                        + segment(rule_id),
                      detail::decode_nat_rule, std::move(done));
}

void beast_client::create_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) {
  mutate("POST", cloudapi + "/edgeGateways/" + segment(gateway_id) + "/nat/rules",
         detail::encode_nat_rule(rule), false, std::move(done));
}

void beast_client::update_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) {
  mutate("PUT",
         cloudapi + "/edgeGateways/" + segment(gateway_id) + "/nat/rules/" + segment(rule.id),
         detail::encode_nat_rule(rule), true, std::move(done));
}

void beast_client::delete_nat_rule(std::string gateway_id, std::string rule_id,
                                   callback<task_ref> done) {
  mutate("DELETE",
         cloudapi + "/edgeGateways/" + segment(gateway_id) + "/nat/rules/" + segment(rule_id), "",
         true, std::move(done));
}

// -- edge gateway firewall ------------------------------------------------------------------------

void beast_client::get_firewall_rules(std::string gateway_id, callback<firewall_rules> done) {
  fetch_one<firewall_rules>(cloudapi + "/edgeGateways/" + segment(gateway_id) + "/firewall/rules",
                            detail::decode_firewall_rules, std::move(done));
}

void beast_client::replace_firewall_rules(std::string gateway_id, std::vector<firewall_rule> rules,
                                          callback<task_ref> done) {
  mutate("PUT", cloudapi + "/edgeGateways/" + segment(gateway_id) + "/firewall/rules",
         detail::encode_firewall_rules(rules), true, std::move(done));
}

void beast_client::list_ip_sets(std::string gateway_id, fiql filter,
                                callback<std::vector<ip_set>> done) {
  filter.with("_context", std::move(gateway_id)).with("typeValue", "IP_SET");
  fetch_all<ip_set>(cloudapi + "/firewallGroups/summaries", filter.query_parameters(),
                    detail::decode_ip_set_page, std::move(done));
}

void beast_client::get_ip_set(std::string ip_set_id, callback<ip_set> done) {
  fetch_one<ip_set>(cloudapi + "/firewallGroups/" + segment(ip_set_id), detail::decode_ip_set,
                    std::move(done));
}

void beast_client::create_ip_set(ip_set s, callback<task_ref> done) {
  mutate("POST", cloudapi + "/firewallGroups", detail::encode_ip_set(s), false, std::move(done));
}

void beast_client::update_ip_set(ip_set s, callback<task_ref> done) {
  mutate("PUT", cloudapi + "/firewallGroups/" + segment(s.id), detail::encode_ip_set(s), true,
         std::move(done));
}

void beast_client::delete_ip_set(std::string ip_set_id, callback<task_ref> done) {
  mutate("DELETE", cloudapi + "/firewallGroups/" + segment(ip_set_id), "", true, std::move(done));
}

// -- application port profiles --------------------------------------------------------------------

void beast_client::list_app_port_profiles(fiql filter,
                                          callback<std::vector<app_port_profile>> done) {
  fetch_all<app_port_profile>(cloudapi + "/applicationPortProfiles", filter.query_parameters(),
                              detail::decode_app_port_profile_page, std::move(done));
}

void beast_client::get_app_port_profile(std::string profile_id, callback<app_port_profile> done) {
  fetch_one<app_port_profile>(cloudapi + "/applicationPortProfiles/" + segment(profile_id),
                              detail::decode_app_port_profile, std::move(done));
}

void beast_client::create_app_port_profile(app_port_profile profile, callback<task_ref> done) {
  mutate("POST", cloudapi + "/applicationPortProfiles", detail::encode_app_port_profile(profile),
         false, std::move(done));
}

void beast_client::update_app_port_profile(app_port_profile profile, callback<task_ref> done) {
  mutate("PUT", cloudapi + "/applicationPortProfiles/" + segment(profile.id),
         detail::encode_app_port_profile(profile), true, std::move(done));
}

void beast_client::delete_app_port_profile(std::string profile_id, callback<task_ref> done) {
  mutate("DELETE", cloudapi + "/applicationPortProfiles/" + segment(profile_id), "", true,
         std::move(done));
}

// -- IP Spaces ------------------------------------------------------------------------------------

void beast_client::list_floating_ip_suggestions(
  std::string gateway_id, callback<std::vector<floating_ip_suggestion>> done) {
  // gatewayId is mandatory; IPv4 only, as the VIPs vcdlb hands out.
  auto filter = fiql::eq("gatewayId", gateway_id).with("ipType", "IPV4");
  fetch_all<floating_ip_suggestion>(cloudapi + "/ipSpaces/floatingIpSuggestions",
                                    filter.query_parameters() + "&sortAsc=ipSpaceRef.name",
                                    detail::decode_floating_ip_suggestion_page, std::move(done));
}

void beast_client::get_ip_space(std::string ip_space_id, callback<ip_space> done) {
  fetch_one<ip_space>(cloudapi + "/ipSpaces/" + segment(ip_space_id), detail::decode_ip_space,
                      std::move(done));
}

void beast_client::allocate_floating_ip(std::string ip_space_id, std::string value,
                                        callback<task_ref> done) {
  mutate("POST", cloudapi + "/ipSpaces/" + segment(ip_space_id) + "/allocate",
         detail::encode_allocation_request(value), false, std::move(done));
}

void beast_client::list_ip_allocations(std::string ip_space_id, fiql filter,
                                       callback<std::vector<ip_allocation>> done) {
  fetch_all<ip_allocation>(
    cloudapi + "/ipSpaces/" + segment(ip_space_id) + "/allocations", filter.query_parameters(),
    detail::decode_ip_allocation_page,
    [ip_space_id, done = std::move(done)](caf::expected<std::vector<ip_allocation>> r) {
      if (r)
        for (auto& a : *r)
          a.ip_space_id = ip_space_id;
      done(std::move(r));
    });
}

void beast_client::get_ip_allocation(std::string ip_space_id, std::string allocation_id,
                                     callback<ip_allocation> done) {
  fetch_one<ip_allocation>(cloudapi + "/ipSpaces/" + segment(ip_space_id) + "/allocations/"
                             + segment(allocation_id),
                           detail::decode_ip_allocation,
                           [ip_space_id, done = std::move(done)](caf::expected<ip_allocation> r) {
                             if (r)
                               r->ip_space_id = ip_space_id;
                             done(std::move(r));
                           });
}

void beast_client::update_ip_allocation(ip_allocation a, callback<task_ref> done) {
  if (a.ip_space_id.empty() || a.id.empty())
    return done(caf::make_error(vcd_errc::bad_request,
                                "update_ip_allocation needs the allocation's id and IP space"));
  mutate("PUT", cloudapi + "/ipSpaces/" + segment(a.ip_space_id) + "/allocations/" + segment(a.id),
         detail::encode_ip_allocation(a), true, std::move(done));
}

void beast_client::delete_ip_allocation(std::string ip_space_id, std::string allocation_id,
                                        callback<task_ref> done) {
  mutate("DELETE",
         cloudapi + "/ipSpaces/" + segment(ip_space_id) + "/allocations/" + segment(allocation_id),
         "", true, std::move(done));
}

// -- certificates and tasks -----------------------------------------------------------------------

void beast_client::find_certificates(std::string alias, callback<std::vector<certificate>> done) {
  // Aliases with FIQL-reserved characters cannot be filtered reliably (vcd-cloudapi.md §6.9):
  // then list the library and match here, as govcd does.
  auto query =
    fiql_value_needs_encoding(alias) ? std::string{} : fiql::eq("alias", alias).query_parameters();
  fetch_all<certificate>(
    cloudapi + "/ssl/certificateLibrary", std::move(query), detail::decode_certificate_page,
    [alias, done = std::move(done)](caf::expected<std::vector<certificate>> r) {
      if (!r)
        return done(std::move(r.error()));
      std::vector<certificate> out;
      for (auto& c : *r)
        if (c.alias == alias)
          out.push_back(std::move(c));
      done(std::move(out));
    });
}

void beast_client::get_task(task_ref ref, callback<task> done) {
  if (ref.href.empty() && ref.id.empty())
    return done(caf::make_error(vcd_errc::not_found, "empty task reference"));
  auto target = ref.href.empty() ? "/api/task/" + segment(ref.id)
                                 : detail::target_from_url(ref.href, base_path_);
  call({"GET", std::move(target), "", true, true},
       [done = std::move(done)](caf::expected<http::response> r) {
         if (!r)
           return done(std::move(r.error()));
         done(detail::decode_task(r->body));
       });
}

// -- runtime defined entities ---------------------------------------------------------------------

namespace {

// The entity and its ETag from a 200 answer to GET or PUT.
caf::expected<defined_entity> entity_from(const http::response& r) {
  auto etag = detail::header_value(r.fields, "ETag");
  if (!etag || etag->empty())
    return caf::make_error(vcd_errc::bad_response, "defined entity answered without an ETag");
  return detail::decode_defined_entity(r.body, std::string{*etag});
}

} // namespace

void beast_client::get_defined_entity(std::string entity_id, callback<defined_entity> done) {
  // by_id false: VCD answers 404 for an entity that does not exist and 403 for one the user
  // may not see, and the two must stay apart (a missing cluster vs. missing rights).
  call({"GET", cloudapi + "/entities/" + segment(entity_id), "", false, false},
       [done = std::move(done)](caf::expected<http::response> r) {
         if (!r)
           return done(std::move(r.error()));
         done(entity_from(*r));
       });
}

void beast_client::update_defined_entity(defined_entity e, callback<defined_entity> done) {
  if (e.etag.empty())
    return done(caf::make_error(vcd_errc::bad_request, "refusing an unconditional write of entity "
                                                         + e.id + ": no ETag (read it first)"));
  call_spec spec{"PUT",
                 cloudapi + "/entities/" + segment(e.id),
                 std::move(e.body),
                 false,
                 false,
                 std::move(e.etag)};
  call(std::move(spec), [done = std::move(done)](caf::expected<http::response> r) {
    if (!r)
      return done(std::move(r.error()));
    if (r->status != 200)
      return done(caf::make_error(vcd_errc::bad_response, "entity update answered "
                                                            + std::to_string(r->status)
                                                            + " instead of 200 with the entity"));
    done(entity_from(*r));
  });
}

void beast_client::get_defined_entity_type(std::string type_id,
                                           callback<defined_entity_type> done) {
  fetch_one<defined_entity_type>(cloudapi + "/entityTypes/" + segment(type_id),
                                 detail::decode_defined_entity_type, std::move(done));
}

} // namespace vcdlb::vcd
