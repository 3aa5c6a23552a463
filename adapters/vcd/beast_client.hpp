#pragma once

/// @file adapters/vcd/beast_client.hpp
/// @brief The real VCD client: CloudAPI over `vcdlb::http::client` (Boost.Beast, HTTPS,
/// keep-alive pool, TLS verification, timeouts, proxy).
///
/// Authentication (vcd-cloudapi.md §2): on first use the client reads `/api/versions` and picks
/// the highest API version it knows that the server lists, then either exchanges the API token
/// (`/oauth/tenant/{org}/token`, `/oauth/provider/token`) or logs in with user and password
/// (`/cloudapi/1.0.0/sessions`, `/sessions/provider` for the System org). Requests then carry
/// `Accept: application/json;version=<v>`, `Authorization: Bearer <token>` and the tenant
/// context header with the org's UUID. A 401 triggers one re-login (shared by all requests in
/// flight) and one replay; OAuth access tokens are renewed at 80% of their `expires_in`.
/// Secrets never reach logs or error messages.
///
/// Thread-safe; callbacks run on the http client's io threads. Keep the shared_ptr alive while
/// operations are in flight (callbacks hold it too).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/http/client.hpp"
#include "adapters/vcd/client.hpp"
#include "adapters/vcd/vm_client.hpp"
#include "config/config.hpp"
#include "config/credentials.hpp"
#include "config/secret_string.hpp"

namespace vcdlb::vcd {

struct beast_client_options {
  std::string org;  ///< the tenant org the load balancers live in
  std::string vdc;  ///< the org VDC (name or URN) whose network is used
  std::string user; ///< login name without "@org"
  config::secret_string password;
  std::string user_org;                ///< org to log in to; "" = `org`; "System" = provider login
  config::secret_string refresh_token; ///< an API token; used instead of user/password when set
  /// API versions the client speaks, preferred first. The first one the server lists is used.
  std::vector<std::string> api_versions{"37.2", "37.1", "37.0", "36.3", "36.2", "36.1", "36.0"};
  size_t page_size = 128; ///< for paged lists (VCD's maximum)
  /// Per request; zero = the http client's default.
  std::chrono::milliseconds request_timeout{0};
  /// Time source for refreshing OAuth access tokens before they expire (at 80% of
  /// `expires_in`); tests inject their own.
  std::function<std::chrono::steady_clock::time_point()> clock = [] {
    return std::chrono::steady_clock::now();
  };
  /// Told the outcome of every login (the first, after a 401, token renewal); runs on the
  /// io thread, must not block. Empty: nobody listens.
  std::function<void(bool ok)> on_login;
  /// Asked right before a request that changes something (every method but GET; logins
  /// excluded) is handed to the http client, after any wait for a login: an error fails the
  /// call with it and nothing is sent. The controller's lease fence sits here as well as in
  /// front of the client, so a mutation admitted just before the process froze is not sent
  /// after it woke up without the lease. Runs on the caller's or an io thread; must be cheap.
  /// Empty: always send.
  std::function<caf::error()> before_write;
};

/// The http client and VCD client settings for a configuration and its credentials: base URL
/// `vcd.host`, TLS from `vcdlb.vcd.tls` (verification on unless `insecureSkipVerify`), the
/// request timeout, proxy from the environment, org/VDC and the login.
struct connection_options {
  http::client_options http;
  beast_client_options client;
};
[[nodiscard]] connection_options make_connection_options(const config::cloud_config& cfg,
                                                         const config::credentials& creds);

class beast_client final : public client,
                           public vm_client,
                           public std::enable_shared_from_this<beast_client> {
public:
  /// Wraps `http`, a client for the VCD base URL ("https://vcd.example.com").
  [[nodiscard]] static std::shared_ptr<beast_client>
  make(std::shared_ptr<http::client> http, std::string base_url, beast_client_options opts);

  /// Makes the HTTPS client for `http_opts.base_url` on `io` and wraps it. Fails with the
  /// http client's error (net_errc::protocol_error for a bad URL, net_errc::tls_failed when the
  /// CA bundle cannot be loaded): a startup problem, not a VCD answer.
  [[nodiscard]] static caf::expected<std::shared_ptr<beast_client>>
  connect(boost::asio::io_context& io, http::client_options http_opts, beast_client_options opts);

  /// Use `make`.
  beast_client(std::shared_ptr<http::client> http, std::string base_url, beast_client_options opts);

  void login(callback<session_info> done) override;
  void get_org_vdc_network(std::string name, callback<org_vdc_network> done) override;
  void get_edge_gateway(std::string gateway_id, callback<edge_gateway> done) override;
  void list_used_ip_addresses(std::string gateway_id, callback<std::vector<used_ip>> done) override;
  void list_seg_assignments(std::string gateway_id,
                            callback<std::vector<seg_assignment>> done) override;
  void list_pool_summaries(std::string gateway_id, fiql filter,
                           callback<std::vector<pool_summary>> done) override;
  void get_pool(std::string pool_id, callback<pool> done) override;
  void create_pool(pool p, callback<task_ref> done) override;
  void update_pool(pool p, callback<task_ref> done) override;
  void delete_pool(std::string pool_id, callback<task_ref> done) override;
  void list_virtual_service_summaries(std::string gateway_id, fiql filter,
                                      callback<std::vector<virtual_service_summary>> done) override;
  void get_virtual_service(std::string vs_id, callback<virtual_service> done) override;
  void create_virtual_service(virtual_service vs, callback<task_ref> done) override;
  void update_virtual_service(virtual_service vs, callback<task_ref> done) override;
  void delete_virtual_service(std::string vs_id, callback<task_ref> done) override;
  void list_nat_rules(std::string gateway_id, callback<std::vector<nat_rule>> done) override;
  void get_nat_rule(std::string gateway_id, std::string rule_id, callback<nat_rule> done) override;
  void create_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) override;
  void update_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) override;
  void delete_nat_rule(std::string gateway_id, std::string rule_id,
                       callback<task_ref> done) override;
  void get_firewall_rules(std::string gateway_id, callback<firewall_rules> done) override;
  void replace_firewall_rules(std::string gateway_id, std::vector<firewall_rule> rules,
                              callback<task_ref> done) override;
  void list_ip_sets(std::string gateway_id, fiql filter,
                    callback<std::vector<ip_set>> done) override;
  void get_ip_set(std::string ip_set_id, callback<ip_set> done) override;
  void create_ip_set(ip_set s, callback<task_ref> done) override;
  void update_ip_set(ip_set s, callback<task_ref> done) override;
  void delete_ip_set(std::string ip_set_id, callback<task_ref> done) override;
  void list_app_port_profiles(fiql filter, callback<std::vector<app_port_profile>> done) override;
  void get_app_port_profile(std::string profile_id, callback<app_port_profile> done) override;
  void create_app_port_profile(app_port_profile profile, callback<task_ref> done) override;
  void update_app_port_profile(app_port_profile profile, callback<task_ref> done) override;
  void delete_app_port_profile(std::string profile_id, callback<task_ref> done) override;
  void find_certificates(std::string alias, callback<std::vector<certificate>> done) override;
  void list_floating_ip_suggestions(std::string gateway_id,
                                    callback<std::vector<floating_ip_suggestion>> done) override;
  void get_ip_space(std::string ip_space_id, callback<ip_space> done) override;
  void allocate_floating_ip(std::string ip_space_id, std::string value,
                            callback<task_ref> done) override;
  void list_ip_allocations(std::string ip_space_id, fiql filter,
                           callback<std::vector<ip_allocation>> done) override;
  void get_ip_allocation(std::string ip_space_id, std::string allocation_id,
                         callback<ip_allocation> done) override;
  void update_ip_allocation(ip_allocation a, callback<task_ref> done) override;
  void delete_ip_allocation(std::string ip_space_id, std::string allocation_id,
                            callback<task_ref> done) override;
  void get_task(task_ref ref, callback<task> done) override;
  void get_defined_entity(std::string entity_id, callback<defined_entity> done) override;
  void update_defined_entity(defined_entity e, callback<defined_entity> done) override;
  void get_defined_entity_type(std::string type_id, callback<defined_entity_type> done) override;

  // vm_client (legacy XML API; beast_vm_client.cpp)
  void query_vapps(std::string name, bool prefix, callback<std::vector<vapp_record>> done) override;
  void get_vapp(std::string href, callback<vapp> done) override;

  /// Logins performed so far (the first one and every re-login). For tests and metrics.
  [[nodiscard]] size_t login_count() const;

  /// Ends the client's life: requests waiting for a login fail at once with
  /// vcd_errc::cancelled, the http client is shut down (running requests fail the same way)
  /// and later calls fail with it. Call before stopping the io_context: a waiter holds its
  /// caller's callback, which often holds this client, and would otherwise never be released.
  /// Idempotent and thread-safe.
  void shutdown();

private:
  struct call_spec {
    call_spec(std::string m, std::string t, std::string b, bool id, bool x, std::string etag = {})
      : method(std::move(m)), target(std::move(t)), body(std::move(b)), by_id(id), xml(x),
        if_match(std::move(etag)) {}
    std::string method = "GET";
    std::string target; ///< relative to the base URL, with query
    std::string body;   ///< JSON for POST/PUT
    bool by_id = false; ///< addresses one entity: 403 means "not found"
    bool xml = false;   ///< legacy XML API (tasks)
    /// Sent as If-Match when set (conditional entity writes).
    std::string if_match;
  };
  using response_cb = std::function<void(caf::expected<http::response>)>;
  using ready_cb = std::function<void(caf::error)>;

  // Runs `spec` with authentication (login on demand, one re-login and replay on 401); any
  // non-2xx status or transport failure becomes a vcd_errc error.
  void call(call_spec spec, response_cb done);
  void send(call_spec spec, bool replayed, response_cb done);
  // Calls `done` once a token is available (logging in if needed). `stale_generation` >= 0
  // forces a new login unless one newer than it has already happened.
  void ensure_session(int64_t stale_generation, ready_cb done);
  void start_login();
  void finish_login(caf::error err, std::string token, session_info info, std::string tenant);
  void login_with_version(std::string version);
  void after_token(std::string version, std::string token, entity_ref org, entity_ref user,
                   bool have_session);
  void resolve_tenant(std::string version, std::string token, session_info info);
  // A raw request without authentication (login steps); errors classified like `call`.
  void send_raw(http::request req, bool by_id, response_cb done);

  template <class T, class Decode>
  void fetch_all(std::string path, std::string query, Decode decode, callback<std::vector<T>> done);
  template <class T, class Decode>
  void fetch_one(std::string target, Decode decode, callback<T> done);
  void mutate(std::string method, std::string target, std::string body, bool by_id,
              callback<task_ref> done);

  std::shared_ptr<http::client> http_;
  std::string base_url_;
  std::string base_path_;
  beast_client_options opts_;

  mutable std::mutex mtx_;
  std::string api_version_; ///< negotiated; empty until the first login
  std::string max_server_version_;
  std::string token_;
  std::string tenant_context_; ///< org UUID for X-VMWARE-VCLOUD-TENANT-CONTEXT
  session_info session_;
  int64_t generation_ = 0;        ///< incremented by every successful login
  int64_t token_lifetime_s_ = -1; ///< `expires_in` of the token being obtained; -1: unknown
  std::optional<std::chrono::steady_clock::time_point> refresh_at_; ///< renew the token then
  bool logging_in_ = false;
  bool shut_down_ = false;
  std::vector<ready_cb> waiters_;
  size_t login_count_ = 0;
};

} // namespace vcdlb::vcd
