// The CloudAPI client over real HTTPS on loopback: a scripted VCD on `http::server` (TLS with
// a self-signed certificate) and the real `http::client`. Covers TLS trust, many pages,
// concurrent requests across a token expiry (one re-login), BUSY_ENTITY then success, dropped
// connections and timeouts.

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "adapters/asio/io_runner.hpp"
#include "adapters/http/server.hpp"
#include "adapters/vcd/beast_client.hpp"
#include "adapters/vcd/detail/http_util.hpp"
#include "adapters/vcd/errors.hpp"

namespace {

using namespace std::chrono_literals;
using namespace vcdlb;
using namespace vcdlb::vcd;

constexpr auto bound = std::chrono::seconds{20}; // far above any expected wait
const std::string gw = "urn:vcloud:gateway:1";

http::response json(unsigned status, std::string body, http::header_list fields = {}) {
  http::response r;
  r.status = status;
  r.fields = std::move(fields);
  r.fields.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string query_param(const std::string& target, const std::string& name) {
  for (auto& [k, v] : http::parse_query(std::string_view{target}.substr(
         target.find('?') == std::string::npos ? target.size() : target.find('?') + 1)))
    if (k == name)
      return v;
  return {};
}

// A small VCD: versions, sessions (token rotates on demand), and a few routes.
class loopback_vcd {
public:
  std::atomic<int> sessions{0};
  std::atomic<int> busy_left{0};
  std::atomic<int> vs_count{200};
  std::atomic<int> drops_left{0};
  std::atomic<bool> hang_next{false};

  void rotate_token() {
    std::lock_guard g{mtx_};
    token_ = std::string(600, static_cast<char>('a' + (++rotation_ % 26)));
  }

  void handle(http::request req, std::shared_ptr<http::response_writer> w) {
    if (drops_left.fetch_sub(1) > 0)
      return w->abort();
    if (hang_next.exchange(false)) {
      std::lock_guard g{mtx_};
      hung_.push_back(w); // answered never; closed when the server stops
      return;
    }
    w->respond(answer(req));
  }

private:
  http::response answer(const http::request& req) {
    auto path = std::string{req.path()};
    if (path == "/api/versions") {
      http::response r;
      r.status = 200;
      r.body = "<SupportedVersions><VersionInfo><Version>37.0</Version></VersionInfo>"
               "<VersionInfo><Version>37.2</Version></VersionInfo></SupportedVersions>";
      return r;
    }
    std::string token;
    {
      std::lock_guard g{mtx_};
      token = token_;
    }
    if (path == "/cloudapi/1.0.0/sessions" && req.method == "POST") {
      if (req.header("Authorization").value_or("")
          != "Basic " + detail::base64_encode("lb@org1:pw"))
        return json(401, R"({"minorErrorCode":"UNAUTHORIZED","message":"bad"})");
      ++sessions;
      return json(
        200, R"({"org":{"name":"org1","id":"urn:vcloud:org:0a1"},"user":{"name":"lb","id":"u"}})",
        {{"X-VMWARE-VCLOUD-ACCESS-TOKEN", token}});
    }
    if (req.header("Authorization").value_or("") != "Bearer " + token)
      return json(401, R"({"minorErrorCode":"UNAUTHORIZED","message":"expired"})");
    if (req.header("Accept").value_or("") != "application/json;version=37.2"
        && !path.starts_with("/api/task"))
      return json(406, R"({"minorErrorCode":"NOT_ACCEPTABLE","message":"version"})");
    if (req.header("X-VMWARE-VCLOUD-TENANT-CONTEXT").value_or("") != "0a1")
      return json(400, R"({"minorErrorCode":"BAD_REQUEST","message":"tenant context"})");
    if (path == "/cloudapi/1.0.0/edgeGateways/" + gw)
      return json(200, R"({"id":")" + gw + R"(","name":"edge-1","status":"REALIZED"})");
    if (path == "/cloudapi/1.0.0/edgeGateways/" + gw + "/loadBalancer/virtualServiceSummaries") {
      int page = std::stoi(query_param(req.target, "page"));
      int size = std::stoi(query_param(req.target, "pageSize"));
      int total = vs_count.load();
      int pages = (total + size - 1) / size;
      std::string values;
      for (int i = (page - 1) * size; i < std::min(total, page * size); ++i)
        values += std::string(values.empty() ? "" : ",")
                  + R"({"id":"urn:vcloud:loadBalancerVirtualService:)" + std::to_string(i)
                  + R"(","name":"vs-)" + std::to_string(i) + R"("})";
      return json(200, R"({"resultTotal":)" + std::to_string(total) + R"(,"pageCount":)"
                         + std::to_string(pages) + R"(,"page":)" + std::to_string(page)
                         + R"(,"pageSize":)" + std::to_string(size) + R"(,"values":[)" + values
                         + "]}");
    }
    if (path == "/cloudapi/1.0.0/loadBalancer/pools" && req.method == "POST") {
      if (busy_left.fetch_sub(1) > 0)
        return json(
          400,
          R"({"minorErrorCode":"BUSY_ENTITY","message":"[ 1 ] The entity Ref: com.vmware.vcloud.entity.gateway:1 is busy completing an operation LOAD_BALANCER_POOL_CREATE."})");
      return json(202, "", {{"Location", "https://127.0.0.1/api/task/t1"}});
    }
    if (path == "/api/task/t1") {
      http::response r;
      r.status = 200;
      r.body =
        R"(<Task id="urn:vcloud:task:t1" status="success"><Owner id="urn:vcloud:loadBalancerPool:1" name="p"/></Task>)";
      return r;
    }
    return json(404, R"({"minorErrorCode":"NOT_FOUND","message":"no route"})");
  }

  std::mutex mtx_;
  std::string token_ = std::string(600, 'a');
  int rotation_ = 0;
  std::vector<std::shared_ptr<http::response_writer>> hung_;
};

class loopback_test : public ::testing::Test {
protected:
  loopback_test() : io_("vcd-loopback", 2) {
    auto s = http::server::start(io_.context(), {}, [this](http::request r, auto w) {
      vcd_.handle(std::move(r), std::move(w));
    });
    EXPECT_TRUE(s) << describe(s.error());
    if (s)
      server_ = std::move(*s);
  }
  ~loopback_test() override {
    if (server_) {
      server_->stop();
      // stop() closes connections on their strands; let that finish before the io threads
      // go, or a connection and the server state keep each other alive (a leak under ASan).
      for (int i = 0; i < 5000 && server_->open_connections() > 0; ++i)
        std::this_thread::sleep_for(1ms);
    }
    io_.stop();
  }

  caf::expected<std::shared_ptr<beast_client>> connect(bool trust = true,
                                                       std::chrono::milliseconds timeout = 0ms) {
    http::client_options h;
    h.base_url = server_->url();
    if (trust)
      h.tls.ca_pem = server_->ca_pem();
    h.proxy_from_environment = false;
    beast_client_options o;
    o.org = "org1";
    o.vdc = "vdc1";
    o.user = "lb";
    o.password = config::secret_string{"pw"};
    o.page_size = 5;
    o.request_timeout = timeout;
    return beast_client::connect(io_.context(), std::move(h), std::move(o));
  }

  template <class T, class F>
  static caf::expected<T> wait(F&& f) {
    auto p = std::make_shared<std::promise<caf::expected<T>>>();
    auto fut = p->get_future();
    f([p](caf::expected<T> x) { p->set_value(std::move(x)); });
    if (fut.wait_for(bound) != std::future_status::ready)
      return caf::make_error(vcd_errc::unavailable, std::string{"test bound exceeded"});
    return fut.get();
  }

  asio_bridge::io_runner io_;
  loopback_vcd vcd_;
  std::unique_ptr<http::server> server_;
};

TEST_F(loopback_test, lists_forty_pages_over_tls) {
  auto c = connect();
  ASSERT_TRUE(c) << describe(c.error());
  auto l = wait<std::vector<virtual_service_summary>>(
    [&](auto cb) { (*c)->list_virtual_service_summaries(gw, {}, cb); });
  ASSERT_TRUE(l) << describe(l.error());
  ASSERT_EQ(l->size(), 200u);
  for (size_t i = 0; i < l->size(); ++i)
    ASSERT_EQ((*l)[i].name, "vs-" + std::to_string(i));
  EXPECT_EQ(vcd_.sessions, 1);
}

TEST_F(loopback_test, concurrent_requests_share_one_relogin_after_expiry) {
  auto c = connect();
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait<edge_gateway>([&](auto cb) { (*c)->get_edge_gateway(gw, cb); }));
  vcd_.rotate_token();
  constexpr int n = 16;
  std::vector<std::future<caf::expected<edge_gateway>>> futures;
  for (int i = 0; i < n; ++i) {
    auto p = std::make_shared<std::promise<caf::expected<edge_gateway>>>();
    futures.push_back(p->get_future());
    (*c)->get_edge_gateway(gw, [p](caf::expected<edge_gateway> g) { p->set_value(std::move(g)); });
  }
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(bound), std::future_status::ready);
    auto g = f.get();
    ASSERT_TRUE(g) << describe(g.error());
    EXPECT_EQ(g->name, "edge-1");
  }
  EXPECT_EQ(vcd_.sessions, 2) << "one re-login for all requests that saw the expiry";
  EXPECT_EQ((*c)->login_count(), 2u);
}

TEST_F(loopback_test, busy_entity_then_success_and_task) {
  auto c = connect();
  ASSERT_TRUE(c);
  vcd_.busy_left = 2;
  pool p;
  p.name = "p";
  p.gateway_ref = {"edge-1", gw};
  for (int i = 0; i < 2; ++i) {
    auto r = wait<task_ref>([&](auto cb) { (*c)->create_pool(p, cb); });
    ASSERT_FALSE(r);
    EXPECT_TRUE(has_code(r.error(), vcd_errc::busy_entity)) << describe(r.error());
    EXPECT_EQ(parse_error_info(r.error()).minor_error_code, "BUSY_ENTITY");
  }
  auto ref = wait<task_ref>([&](auto cb) { (*c)->create_pool(p, cb); });
  ASSERT_TRUE(ref) << describe(ref.error());
  EXPECT_EQ(ref->id, "t1");
  auto t = wait<task>([&](auto cb) { (*c)->get_task(*ref, cb); });
  ASSERT_TRUE(t) << describe(t.error());
  EXPECT_EQ(t->status, task_status::success);
  EXPECT_EQ(t->owner.id, "urn:vcloud:loadBalancerPool:1");
}

TEST_F(loopback_test, untrusted_certificate_is_a_tls_failure) {
  auto c = connect(false);
  ASSERT_TRUE(c);
  auto s = wait<session_info>([&](auto cb) { (*c)->login(cb); });
  ASSERT_FALSE(s);
  EXPECT_TRUE(has_code(s.error(), vcd_errc::tls_failed)) << describe(s.error());
  EXPECT_FALSE(is_retryable(s.error()));
  // The error names the settings that fix it.
  const auto text = describe(s.error());
  EXPECT_NE(text.find("--vcd-ca-file"), std::string::npos) << text;
  EXPECT_NE(text.find("vcdlb.vcd.tls.caFile"), std::string::npos) << text;
  EXPECT_NE(text.find("insecureSkipVerify"), std::string::npos) << text;
}

TEST_F(loopback_test, dropped_connection_and_timeout_are_unavailable) {
  auto c = connect(true, 500ms);
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait<session_info>([&](auto cb) { (*c)->login(cb); }));
  // Dropped more often than the http client's one retry of an idempotent request.
  vcd_.drops_left = 3;
  auto dropped = wait<edge_gateway>([&](auto cb) { (*c)->get_edge_gateway(gw, cb); });
  vcd_.drops_left = 0;
  ASSERT_FALSE(dropped);
  EXPECT_TRUE(has_code(dropped.error(), vcd_errc::unavailable)) << describe(dropped.error());
  EXPECT_TRUE(is_retryable(dropped.error()));
  vcd_.hang_next = true;
  auto hung = wait<edge_gateway>([&](auto cb) { (*c)->get_edge_gateway(gw, cb); });
  ASSERT_FALSE(hung);
  EXPECT_TRUE(has_code(hung.error(), vcd_errc::unavailable)) << describe(hung.error());
  // The client still works afterwards.
  EXPECT_TRUE(wait<edge_gateway>([&](auto cb) { (*c)->get_edge_gateway(gw, cb); }));
}

} // namespace
