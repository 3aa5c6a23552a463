// Shutting the CloudAPI client down while a login is in flight: the calls waiting for the
// session fail with `cancelled`, later calls fail at once, and the client is released even
// though the waiting callbacks held it (the reference cycle a stop during start-up leaked).

#include "adapters/vcd/beast_client.hpp"

#include <optional>

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;

// Answers nothing: every request's callback is held until the test drops it, as a real
// client does while a login is on the wire.
class held_http final : public http::client {
public:
  void async_request(http::request req, callback done, std::chrono::milliseconds) override {
    targets.push_back(req.target);
    held.push_back(std::move(done));
  }

  std::shared_ptr<http::stream_handle>
  async_stream(http::request, std::function<void(unsigned, const http::header_list&)>,
               std::function<void(std::string_view)>, std::function<void(const caf::error&)> on_end,
               std::chrono::milliseconds) override {
    on_end(caf::make_error(net_errc::protocol_error, std::string{"no streams here"}));
    return nullptr;
  }

  void shutdown() override { ++shutdowns; }

  std::vector<std::string> targets;
  std::vector<callback> held;
  int shutdowns = 0;
};

vcd::beast_client_options options() {
  vcd::beast_client_options o;
  o.org = "org1";
  o.vdc = "vdc1";
  o.user = "lb-user";
  o.password = config::secret_string{"s3cret-pass"};
  return o;
}

TEST(beast_client_shutdown, waiters_fail_with_cancelled_and_the_client_is_released) {
  auto http = std::make_shared<held_http>();
  auto client = vcd::beast_client::make(http, "https://vcd.example.com", options());
  std::weak_ptr<vcd::beast_client> weak = client;

  // Like the decorators: the caller's callback holds the client.
  std::optional<caf::expected<vcd::edge_gateway>> first;
  client->get_edge_gateway(
    "urn:vcloud:gateway:1",
    [&first, keep = client](caf::expected<vcd::edge_gateway> r) { first.emplace(std::move(r)); });
  ASSERT_EQ(http->targets, std::vector<std::string>{"/api/versions"}) << "logging in";
  EXPECT_FALSE(first) << "waits for the login";

  client->shutdown();
  EXPECT_EQ(http->shutdowns, 1);
  ASSERT_TRUE(first);
  ASSERT_FALSE(*first);
  EXPECT_TRUE(has_code(first->error(), vcd_errc::cancelled)) << describe(first->error());

  std::optional<caf::expected<vcd::edge_gateway>> later;
  client->get_edge_gateway("urn:vcloud:gateway:1", [&later](caf::expected<vcd::edge_gateway> r) {
    later.emplace(std::move(r));
  });
  ASSERT_TRUE(later) << "fails at once, without a request";
  EXPECT_FALSE(*later);
  EXPECT_EQ(http->targets.size(), 1U);

  client->shutdown(); // idempotent
  EXPECT_EQ(http->shutdowns, 1);

  // What is left: the login request's callback (a real http client fails it on shutdown or
  // destroys it with the io_context). Once it is gone nothing holds the client.
  client.reset();
  http->held.clear();
  EXPECT_TRUE(weak.expired());
}

} // namespace
