// The ops endpoint over loopback with vcdlb's own HTTP client: every path, method and status.

#include "runtime/ops_server.hpp"

#include <future>

#include <gtest/gtest.h>

#include "adapters/asio/io_runner.hpp"
#include "adapters/http/client.hpp"
#include "exposition_checker.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::runtime;
using namespace std::chrono_literals;

class ops_server_test : public ::testing::Test {
protected:
  ops_server_test() : io_("ops-test", 1) {
    auto c = reg_->add_counter<1>("demo_requests_total", "Demo.", {"path"});
    EXPECT_TRUE(c);
    demo_ = *c;
    demo_.with("/a\"b")->inc(7);
    auto s = ops_server::start(io_.context(), "127.0.0.1:0", reg_, checks_);
    EXPECT_TRUE(s) << describe(s.error());
    if (s && *s)
      server_ = std::move(*s);
    http::client_options o;
    o.base_url = server_ ? server_->url() : "http://127.0.0.1:1";
    o.proxy_from_environment = false;
    auto cl = http::client::make(io_.context(), o);
    EXPECT_TRUE(cl);
    if (cl)
      client_ = *cl;
  }

  ~ops_server_test() override {
    if (client_)
      client_->shutdown();
    server_.reset();
    io_.stop();
  }

  http::response fetch(std::string target, std::string method = "GET") {
    http::request req;
    req.method = std::move(method);
    req.target = std::move(target);
    auto done = std::make_shared<std::promise<caf::expected<http::response>>>();
    auto fut = done->get_future();
    client_->async_request(
      std::move(req), [done](caf::expected<http::response> r) { done->set_value(std::move(r)); });
    if (fut.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "no response within 10 s";
      return {};
    }
    auto r = fut.get();
    EXPECT_TRUE(r) << describe(r.error());
    return r ? *r : http::response{};
  }

  asio_bridge::io_runner io_;
  std::shared_ptr<metrics::registry> reg_ = std::make_shared<metrics::registry>();
  std::shared_ptr<health> checks_ = std::make_shared<health>();
  metrics::counter_family<1> demo_;
  std::unique_ptr<ops_server> server_;
  std::shared_ptr<http::client> client_;
};

TEST_F(ops_server_test, metrics_serves_the_exposition) {
  ASSERT_TRUE(server_);
  EXPECT_EQ(server_->url(), "http://127.0.0.1:" + std::to_string(server_->port()));
  auto r = fetch("/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body, "# HELP demo_requests_total Demo.\n# TYPE demo_requests_total counter\n"
                    "demo_requests_total{path=\"/a\\\"b\"} 7\n");
  std::string error;
  EXPECT_TRUE(test::check_exposition(r.body, error)) << error;
  // Values are live.
  demo_.with("/a\"b")->inc();
  EXPECT_NE(fetch("/metrics").body.find("} 8\n"), std::string::npos);
}

TEST_F(ops_server_test, healthz_and_readyz_follow_their_checks) {
  ASSERT_TRUE(server_);
  auto r = fetch("/healthz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(fetch("/readyz").status, 200u);

  auto synced = std::make_shared<status_check>("informers not synced");
  checks_->add(health::kind::readiness, "informer-sync", synced);
  checks_->add_readiness("ping", [] { return std::optional<std::string>{}; });
  r = fetch("/readyz");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(r.body, "[-]informer-sync failed: informers not synced\n[+]ping ok\n"
                    "readyz check failed\n");
  // Readiness does not affect liveness.
  EXPECT_EQ(fetch("/healthz").status, 200u);

  r = fetch("/readyz?exclude=informer-sync");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "ok");
  r = fetch("/readyz/informer-sync");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(r.body, "[-]informer-sync failed: informers not synced\n");
  r = fetch("/readyz/ping");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(fetch("/readyz/nope").status, 404u);

  synced->set_ok();
  r = fetch("/readyz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "ok");
  r = fetch("/readyz?verbose");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "[+]informer-sync ok\n[+]ping ok\nreadyz check passed\n");
  EXPECT_EQ(fetch("/readyz?verbose=true").body, r.body);

  checks_->add_liveness("deadlock", [] { return std::optional<std::string>{"scheduler stuck"}; });
  r = fetch("/healthz");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(r.body, "[-]deadlock failed: scheduler stuck\nhealthz check failed\n");
  EXPECT_EQ(fetch("/readyz").status, 200u);
}

TEST_F(ops_server_test, unknown_paths_and_methods) {
  ASSERT_TRUE(server_);
  for (auto target : {"/", "/metricsx", "/healthzz", "/readyz/", "/debug/pprof"}) {
    auto r = fetch(target);
    EXPECT_EQ(r.status, 404u) << target;
    EXPECT_EQ(r.body, "404 page not found\n") << target;
  }
  for (auto method : {"POST", "PUT", "DELETE", "PATCH"}) {
    for (auto target : {"/metrics", "/healthz", "/readyz"}) {
      auto r = fetch(target, method);
      EXPECT_EQ(r.status, 405u) << method << " " << target;
      EXPECT_EQ(r.header("allow"), "GET, HEAD");
    }
  }
  auto head = fetch("/metrics", "HEAD");
  EXPECT_EQ(head.status, 200u);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(fetch("/healthz", "HEAD").status, 200u);
}

TEST(ops_server, empty_address_disables_and_bad_address_fails) {
  asio_bridge::io_runner io{"ops-test", 1};
  auto reg = std::make_shared<metrics::registry>();
  auto checks = std::make_shared<health>();
  auto off = ops_server::start(io.context(), "", reg, checks);
  ASSERT_TRUE(off);
  EXPECT_EQ(*off, nullptr);
  auto bad = ops_server::start(io.context(), "no-port", reg, checks);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(has_code(bad.error(), net_errc::protocol_error));
  // A port that is taken cannot be bound twice.
  auto first = ops_server::start(io.context(), "127.0.0.1:0", reg, checks);
  ASSERT_TRUE(first && *first);
  auto second =
    ops_server::start(io.context(), "127.0.0.1:" + std::to_string((*first)->port()), reg, checks);
  EXPECT_FALSE(second);
  (*first)->stop();
  io.stop();
}

TEST(ops_response, routes_without_a_socket) {
  metrics::registry reg;
  health checks;
  http::request req;
  req.target = "/healthz?verbose";
  auto r = ops_response(req, reg, checks);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "healthz check passed\n");
  req.target = "/metrics";
  r = ops_response(req, reg, checks);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "");
}

} // namespace
