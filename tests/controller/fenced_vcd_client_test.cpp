#include "controller/detail/fenced_vcd_client.hpp"

#include <gtest/gtest.h>

#include "adapters/vcd/fake_client.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::detail {
namespace {

using namespace std::chrono_literals;

class fenced_vcd_client_test : public ::testing::Test {
protected:
  fenced_vcd_client_test()
    : fake_(std::make_shared<vcd::fake_client>()), fence_(std::make_shared<kube::lease_fence>()),
      client_(std::make_shared<fenced_vcd_client>(fake_, fence_)) {
    vcd::edge_gateway g;
    g.name = "edge-1";
    gateway_ = fake_->add_gateway(g);
  }

  caf::error create_pool() {
    caf::error out;
    vcd::pool p;
    p.name = "ns-svc-http";
    p.gateway_ref = {"edge-1", gateway_};
    client_->create_pool(std::move(p), [&](caf::expected<vcd::task_ref> r) {
      if (!r)
        out = std::move(r.error());
    });
    return out;
  }

  std::shared_ptr<vcd::fake_client> fake_;
  std::shared_ptr<kube::lease_fence> fence_;
  std::shared_ptr<fenced_vcd_client> client_;
  std::string gateway_;
};

TEST_F(fenced_vcd_client_test, mutations_need_the_fence_reads_do_not) {
  // Never extended: a replica that has not acquired the lease.
  auto err = create_pool();
  EXPECT_TRUE(has_code(err, lb_errc::not_leader)) << describe(err);
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  bool read = false;
  client_->list_pool_summaries(gateway_, {}, [&](caf::expected<std::vector<vcd::pool_summary>> r) {
    read = !!r;
    EXPECT_TRUE(r) << describe(r.error());
  });
  EXPECT_TRUE(read);

  fence_->extend(kube::lease_fence::clock::now() + 1h);
  EXPECT_FALSE(create_pool());
  EXPECT_EQ(fake_->mutation_calls(), 1u);

  fence_->extend(kube::lease_fence::clock::now() - 1ms); // the renewal deadline passed
  EXPECT_TRUE(has_code(create_pool(), lb_errc::not_leader));
  fence_->extend(kube::lease_fence::clock::now() + 1h);
  fence_->revoke(); // lost or released
  EXPECT_TRUE(has_code(create_pool(), lb_errc::not_leader));
  EXPECT_EQ(fake_->mutation_calls(), 1u);
  EXPECT_EQ(client_->refused(), 3u);
}

} // namespace
} // namespace vcdlb::detail
