// The double on a real loopback socket, reached with vcdlb's own HTTPS client.

#include "adapters/kube/sim/api_server.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include <boost/json/parse.hpp>

#include "adapters/asio/io_runner.hpp"
#include "adapters/http/client.hpp"

using namespace vcdlb;
using namespace vcdlb::kube::sim;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr auto bound = 10s;

struct server_fixture : ::testing::Test {
  asio_bridge::io_runner io{"kube-sim-test", 2};
  std::filesystem::path dir =
    std::filesystem::temp_directory_path() / ("kube-sim-test-" + std::to_string(::getpid()));
  std::unique_ptr<api_server> server;
  std::shared_ptr<http::client> client;

  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override {
    if (client)
      client->shutdown();
    server.reset();
    io.stop();
    std::filesystem::remove_all(dir);
  }

  void start(api_server_options opts) {
    auto s = api_server::start(io.context(), std::move(opts));
    ASSERT_TRUE(s) << to_string(s.error());
    server = std::move(*s);
    http::client_options co;
    co.base_url = server->url();
    co.tls.ca_pem = server->ca_pem();
    co.proxy_from_environment = false;
    auto c = http::client::make(io.context(), co);
    ASSERT_TRUE(c) << to_string(c.error());
    client = *c;
  }

  http::response send(std::string method, std::string target, bool with_token = true,
                      std::string body = {}) {
    http::request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.fields.emplace_back("Content-Type", "application/json");
    if (with_token && !server->token().empty())
      req.fields.emplace_back("Authorization", "Bearer " + server->token());
    std::promise<caf::expected<http::response>> done;
    auto fut = done.get_future();
    client->async_request(
      std::move(req), [&done](caf::expected<http::response> r) { done.set_value(std::move(r)); });
    EXPECT_EQ(fut.wait_for(bound), std::future_status::ready);
    auto r = fut.get();
    EXPECT_TRUE(r) << to_string(r.error());
    return r ? *r : http::response{};
  }
};

} // namespace

TEST_F(server_fixture, https_with_token_and_kubeconfig) {
  api_server_options opts;
  opts.kubeconfig_path = (dir / "kubeconfig").string();
  start(opts);
  EXPECT_EQ(server->url().rfind("https://127.0.0.1:", 0), 0u);
  EXPECT_FALSE(server->token().empty());
  EXPECT_EQ(send("GET", "/api/v1/namespaces/default/services", false).status, 401u);
  auto ok = send("GET", "/api/v1/namespaces/default/services");
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(json::parse(ok.body).at("kind"), "ServiceList");
  EXPECT_EQ(send("GET", "/healthz", false).status, 200u);
  // /api advertises the real address.
  auto api = json::parse(send("GET", "/api").body);
  EXPECT_EQ(
    "https://"
      + std::string{api.at("serverAddressByClientCIDRs").at(0).at("serverAddress").as_string()},
    server->url());
  // The kubeconfig on disk is private and complete.
  auto status = std::filesystem::status(opts.kubeconfig_path);
  EXPECT_EQ(status.permissions() & std::filesystem::perms::group_read,
            std::filesystem::perms::none);
  std::ifstream in{opts.kubeconfig_path};
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), server->kubeconfig());
  EXPECT_NE(text.str().find("server: " + server->url()), std::string::npos);
  EXPECT_NE(text.str().find("certificate-authority-data: "), std::string::npos);
  EXPECT_NE(text.str().find("token: " + server->token()), std::string::npos);
}

TEST_F(server_fixture, plain_http_without_auth) {
  api_server_options opts;
  opts.tls = false;
  opts.auth = false;
  start(opts);
  EXPECT_EQ(server->url().rfind("http://127.0.0.1:", 0), 0u);
  EXPECT_TRUE(server->ca_pem().empty());
  EXPECT_EQ(send("GET", "/api/v1/nodes", false).status, 200u);
  EXPECT_EQ(make_kubeconfig("http://x", "", "").find("certificate-authority-data"),
            std::string::npos);
}

TEST_F(server_fixture, watch_stream_over_the_socket_until_stop) {
  start({});
  std::mutex m;
  std::condition_variable cv;
  std::string data;
  unsigned status = 0;
  bool ended = false;
  http::request req;
  req.target =
    "/api/v1/nodes?watch=true&resourceVersion=" + std::to_string(server->core().resource_version());
  req.fields.emplace_back("Authorization", "Bearer " + server->token());
  auto handle = client->async_stream(
    req,
    [&](unsigned s, const http::header_list&) {
      std::lock_guard g{m};
      status = s;
      cv.notify_all();
    },
    [&](std::string_view d) {
      std::lock_guard g{m};
      data += d;
      cv.notify_all();
    },
    [&](const caf::error&) {
      std::lock_guard g{m};
      ended = true;
      cv.notify_all();
    });
  {
    std::unique_lock lock{m};
    ASSERT_TRUE(cv.wait_for(lock, bound, [&] { return status == 200; }));
  }
  // The head arrived, so the watch is registered: a write now shows up on the stream.
  auto node = json::parse(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}})");
  ASSERT_TRUE(server->core().put_object(node.as_object()));
  {
    std::unique_lock lock{m};
    ASSERT_TRUE(cv.wait_for(lock, bound, [&] { return data.find('\n') != std::string::npos; }));
  }
  auto ev = json::parse(data.substr(0, data.find('\n')));
  EXPECT_EQ(ev.at("type"), "ADDED");
  EXPECT_EQ(ev.at("object").at("metadata").at("name"), "n1");
  server->stop();
  std::unique_lock lock{m};
  EXPECT_TRUE(cv.wait_for(lock, bound, [&] { return ended; }));
}

TEST_F(server_fixture, injected_latency_delays_answers) {
  start({});
  fault_settings f;
  f.latency = 300ms;
  server->core().set_faults(f);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(send("GET", "/api/v1/nodes").status, 200u);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
}

TEST_F(server_fixture, unwritable_kubeconfig_fails_start) {
  api_server_options opts;
  opts.kubeconfig_path = (dir / "missing-dir" / "kubeconfig").string();
  auto s = api_server::start(io.context(), opts);
  EXPECT_FALSE(s);
}
