#include "runtime/actor_system.hpp"

#include <gtest/gtest.h>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/policy/work_sharing.hpp"
#include "caf/scheduler/coordinator.hpp"
#include "caf/scoped_actor.hpp"

namespace vcdlb::runtime {
namespace {

TEST(actor_system_test, runs_the_asked_workers_on_the_work_sharing_scheduler) {
  caf::actor_system_config cfg;
  configure_actor_system(cfg, 3);
  caf::actor_system sys{cfg};
  EXPECT_EQ(sys.scheduler().num_workers(), 3u);
  // Work sharing: idle workers wait on a condition variable instead of polling.
  using sharing = caf::scheduler::coordinator<caf::policy::work_sharing>;
  EXPECT_NE(dynamic_cast<sharing*>(&sys.scheduler()), nullptr);
  // And actors run on it.
  auto echo = sys.spawn([]() -> caf::behavior { return {[](int x) { return x + 1; }}; });
  caf::scoped_actor self{sys};
  int got = 0;
  self->request(echo, std::chrono::seconds{5}, 41)
    .receive([&](int y) { got = y; }, [](caf::error&) {});
  EXPECT_EQ(got, 42);
  self->send_exit(echo, caf::exit_reason::user_shutdown);
}

TEST(actor_system_test, at_least_one_worker) {
  caf::actor_system_config cfg;
  configure_actor_system(cfg, 0);
  caf::actor_system sys{cfg};
  EXPECT_EQ(sys.scheduler().num_workers(), 1u);
}

} // namespace
} // namespace vcdlb::runtime
