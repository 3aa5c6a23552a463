#include "demo/environment.hpp"

#include <filesystem>
#include <future>

#include <gtest/gtest.h>

#include "adapters/vcd/beast_client.hpp"
#include "config/parse.hpp"
#include "config/zones.hpp"
#include "demo/report.hpp"
#include "demo/services.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::demo;
using namespace std::chrono_literals;

template <class T, class F>
caf::expected<T> wait_for(F start) {
  auto p = std::make_shared<std::promise<caf::expected<T>>>();
  auto f = p->get_future();
  start([p](caf::expected<T> r) { p->set_value(std::move(r)); });
  if (f.wait_for(20s) != std::future_status::ready)
    return caf::make_error(net_errc::timeout, std::string{"test bound exceeded"});
  return f.get();
}

TEST(demo_environment, config_text_selects_the_mode_and_validates) {
  for (auto mode : {config::lb_mode::a, config::lb_mode::b, config::lb_mode::c}) {
    auto cfg = config::parse_config(demo_cloud_config(mode, "https://127.0.0.1:1234", "/x/ca.pem"));
    ASSERT_TRUE(cfg) << describe(cfg.error());
    EXPECT_EQ(cfg->mode(), mode);
    EXPECT_EQ(cfg->vcd.host, "https://127.0.0.1:1234");
    EXPECT_EQ(cfg->vcdlb.tls.ca_file, "/x/ca.pem");
    EXPECT_EQ(cfg->cluster_id, demo_cluster_id);
    EXPECT_EQ(cfg->loadbalancer.cert_alias, demo_cert_alias);
    EXPECT_TRUE(cfg->vcdlb.leader_election.enabled);
    EXPECT_LT(cfg->vcdlb.leader_election.lease_duration, 15s); // short, so the demo starts fast
  }
}

TEST(demo_environment, starts_both_simulators_and_writes_what_a_deployment_mounts) {
  std::filesystem::path dir;
  {
    auto env = environment::start({config::lb_mode::b});
    ASSERT_TRUE(env) << describe(env.error());
    auto& e = **env;
    dir = e.dir();
    for (const auto& f : {e.kubeconfig(), e.cloud_config(), e.vcd_ca(),
                          e.secrets_dir() / "username", e.secrets_dir() / "password"})
      EXPECT_TRUE(std::filesystem::is_regular_file(f)) << f;

    // The files load the way the controller loads them, and point at the VCD simulator.
    auto loaded = e.load_config();
    ASSERT_TRUE(loaded) << describe(loaded.error());
    EXPECT_EQ(loaded->config.mode(), config::lb_mode::b);
    EXPECT_EQ(loaded->config.vcd.host, e.vcd().url());
    EXPECT_EQ(loaded->creds.user, "admin");

    // The VCD simulator accepts those credentials over TLS verified with the written CA.
    asio_bridge::io_runner io{"env-test", 1};
    auto conn = vcd::make_connection_options(loaded->config, loaded->creds);
    conn.http.proxy_from_environment = false;
    auto vcd = vcd::beast_client::connect(io.context(), conn.http, conn.client);
    ASSERT_TRUE(vcd) << describe(vcd.error());
    auto session = wait_for<vcd::session_info>([&](auto cb) { (*vcd)->login(cb); });
    EXPECT_TRUE(session) << describe(session.error());
    auto net = wait_for<vcd::org_vdc_network>(
      [&](auto cb) { (*vcd)->get_org_vdc_network(loaded->config.loadbalancer.network, cb); });
    EXPECT_TRUE(net) << describe(net.error());
    vcd->reset();
    io.stop();

    // The API server double has the Nodes and takes Services from the kubeconfig's client.
    auto client = e.make_client();
    ASSERT_TRUE(client) << describe(client.error());
    auto nodes = wait_for<kube::list_result<kube::node_snapshot>>(
      [&](auto cb) { (*client)->list_nodes({}, cb); });
    ASSERT_TRUE(nodes) << describe(nodes.error());
    EXPECT_EQ(nodes->items.size(), demo_nodes().size());
    for (const auto& n : nodes->items) {
      EXPECT_FALSE(node_initialized(n)) << n.name << " starts as a kubelet registers it";
      EXPECT_EQ(n.first_address("InternalIP"), "") << n.name;
    }
    // Each Node has its VM, in the vApp of its zone's VDC, and the zones file names both VDCs.
    auto vms = e.vcd().core().handle(http::request{"GET", "/_sim/vms", {}, ""}).response;
    for (const auto& n : demo_nodes())
      EXPECT_NE(vms.body.find("\"name\":\"" + n.name + "\""), std::string::npos) << vms.body;
    auto zones = config::load_zones(e.zones_file().string());
    ASSERT_TRUE(zones) << describe(zones.error());
    EXPECT_EQ(zones->zone_of_vdc.at("vdc2"), "zone-2");
    EXPECT_TRUE(loaded->config.vcd.is_zone_enabled_cluster);
    auto svc = demo_services(0).front().object;
    auto created =
      wait_for<kube::service_snapshot>([&](auto cb) { (*client)->create_service(svc, cb); });
    ASSERT_TRUE(created) << describe(created.error());
    EXPECT_EQ(created->ports.size(), 2u);
  }
  EXPECT_FALSE(std::filesystem::exists(dir)); // removed with the environment
}

} // namespace
