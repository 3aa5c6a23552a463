// The simulator over loopback sockets: HTTPS with its own CA, plain HTTP, transport faults,
// and the `vcdlb vcd-sim` process printing its ready line and exiting on SIGTERM.

#include "adapters/vcd/sim/simulator.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <future>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

#include <gtest/gtest.h>

#include "adapters/asio/io_runner.hpp"
#include "adapters/http/client.hpp"
#include "protocol/errors.hpp"
#include "sim_fixture.hpp"

extern char** environ;

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;

constexpr auto bound = std::chrono::seconds{10}; // far above any expected wait

class vcd_sim_server : public ::testing::Test {
protected:
  vcd_sim_server() : io_("sim-test-io", 1) {}
  ~vcd_sim_server() override {
    if (client_)
      client_->shutdown();
    if (sim_)
      sim_->stop();
    io_.stop();
  }

  void start(simulator_options opts) {
    auto s = simulator::start(std::move(opts));
    ASSERT_TRUE(s) << describe(s.error());
    sim_ = std::move(*s);
    http::client_options co;
    co.base_url = sim_->url();
    co.tls.ca_pem = sim_->ca_pem();
    co.proxy_from_environment = false;
    co.request_timeout = std::chrono::milliseconds{5000};
    auto c = http::client::make(io_.context(), co);
    ASSERT_TRUE(c) << describe(c.error());
    client_ = *c;
  }

  caf::expected<http::response> send(http::request req) {
    std::promise<caf::expected<http::response>> p;
    auto f = p.get_future();
    client_->async_request(std::move(req),
                           [&p](caf::expected<http::response> r) { p.set_value(std::move(r)); });
    if (f.wait_for(bound) != std::future_status::ready)
      return caf::make_error(net_errc::timeout, "test bound");
    return f.get();
  }

  std::string login() {
    http::request req;
    req.method = "POST";
    req.target = "/cloudapi/1.0.0/sessions";
    req.fields = {{"Authorization", basic("admin@org1", "admin-password")},
                  {"Accept", "application/json;version=37.2"}};
    auto r = send(req);
    EXPECT_TRUE(r) << describe(r.error());
    return r ? header(*r, "X-VMWARE-VCLOUD-ACCESS-TOKEN") : "";
  }

  asio_bridge::io_runner io_;
  std::unique_ptr<simulator> sim_;
  std::shared_ptr<http::client> client_;
};

TEST_F(vcd_sim_server, https_with_its_own_ca_serves_the_api_and_absolute_task_urls) {
  start({});
  EXPECT_EQ(sim_->url().rfind("https://127.0.0.1:", 0), 0u);
  EXPECT_NE(sim_->ca_pem().find("BEGIN CERTIFICATE"), std::string::npos);
  auto token = login();
  ASSERT_GT(token.size(), 600u);
  auto gw = default_scenario().orgs[0].vdcs[0].edge_gateways[0].id;
  http::request req;
  req.method = "POST";
  req.target = "/cloudapi/1.0.0/loadBalancer/pools";
  req.fields = {{"Authorization", "Bearer " + token},
                {"Accept", "application/json;version=37.2"},
                {"Content-Type", "application/json"}};
  req.body = json::serialize(json::object{{"name", "p"}, {"gatewayRef", json::object{{"id", gw}}}});
  auto r = send(req);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 202u) << r->body;
  auto location = header(*r, "Location");
  EXPECT_EQ(location.rfind(sim_->url() + "/api/task/", 0), 0u) << location;
  EXPECT_EQ(sim_->core().stats().mutations, 1u);
}

TEST_F(vcd_sim_server, plain_http_and_transport_faults) {
  simulator_options o;
  o.plain_http = true;
  start(std::move(o));
  EXPECT_EQ(sim_->url().rfind("http://127.0.0.1:", 0), 0u);
  EXPECT_EQ(sim_->ca_pem(), "");
  http::request versions;
  versions.target = "/api/versions";
  auto r = send(versions);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 200u);
  // Latency delays the answer without blocking the server.
  auto f = sim_->core().faults();
  f.latency = std::chrono::milliseconds{200};
  sim_->core().set_faults(f);
  auto t0 = std::chrono::steady_clock::now();
  r = send(versions);
  ASSERT_TRUE(r);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds{200});
  // A dropped connection closes without a byte of response. (Checked with a raw socket: the
  // HTTP client of adapters/http currently asserts in Beast's put_eof on such a connection.)
  f.latency = std::chrono::milliseconds{0};
  f.drop_rate = 1.0;
  sim_->core().set_faults(f);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(sim_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string raw = "GET /api/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(write(fd, raw.data(), raw.size()), static_cast<ssize_t>(raw.size()));
  pollfd pfd{fd, POLLIN, 0};
  ASSERT_GT(poll(&pfd, 1, 10'000), 0);
  char buf[64];
  EXPECT_LE(read(fd, buf, sizeof(buf)), 0); // EOF or reset, no response
  close(fd);
  EXPECT_EQ(sim_->core().stats().rejections.at("dropped"), 1u);
}

#ifdef VCDLB_BINARY
TEST(vcd_sim_process, prints_its_ready_line_and_exits_cleanly_on_sigterm) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  const char* argv[] = {VCDLB_BINARY,  "vcd-sim",      "--listen",
                        "127.0.0.1:0", "--plain-http", nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, VCDLB_BINARY, &actions, nullptr, const_cast<char**>(argv), environ),
            0);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string line;
  pollfd pfd{out[0], POLLIN, 0};
  while (line.find('\n') == std::string::npos && poll(&pfd, 1, 10'000) > 0) {
    char buf[256];
    auto n = read(out[0], buf, sizeof(buf));
    if (n <= 0)
      break;
    line.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(line.rfind("vcd-sim listening on http://127.0.0.1:", 0), 0u) << line;
  // Under TSan a signal can land on the sanitizer's own background thread and stay pending
  // there; a repeated SIGTERM (as a process supervisor would send) is then delivered. Without
  // TSan the first one ends the process.
  int status = 0;
  pid_t ended = 0;
  for (int i = 0; i < 100 && ended == 0; ++i) {
    if (i % 20 == 0)
      kill(pid, SIGTERM);
    ended = waitpid(pid, &status, WNOHANG);
    if (ended == 0)
      poll(nullptr, 0, 100);
  }
  if (ended == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  ASSERT_EQ(ended, pid) << "still running 10 s after SIGTERM";
  close(out[0]); // only now: the process logs its shutdown to stdout (no SIGPIPE)
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(vcd_sim_process, print_scenario_prints_the_built_in_default_as_yaml) {
  std::string cmd = std::string{VCDLB_BINARY} + " vcd-sim --print-scenario --api-version 36.2";
  FILE* f = popen(cmd.c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
    out.append(buf, n);
  EXPECT_EQ(pclose(f), 0);
  auto parsed = parse_scenario(out);
  ASSERT_TRUE(parsed) << describe(parsed.error());
  EXPECT_EQ(parsed->api_version, "36.2");
  parsed->api_version = "37.2";
  EXPECT_EQ(to_yaml(*parsed), to_yaml(default_scenario()));
  // After it, commented, an IP Space example that loads once uncommented.
  auto at = out.find("\n# api_version:");
  ASSERT_NE(at, std::string::npos) << out;
  std::string example;
  std::istringstream lines{out.substr(at + 1)};
  for (std::string line; std::getline(lines, line);)
    example += (line.rfind("# ", 0) == 0 ? line.substr(2) : line) + "\n";
  auto ips = parse_scenario(example);
  ASSERT_TRUE(ips) << describe(ips.error()) << "\n" << example;
  EXPECT_EQ(to_yaml(*ips), to_yaml(ip_space_example_scenario()));
}
#endif

} // namespace
