#include "actors/detail/event_text.hpp"

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace vcdlb::detail {
namespace {

TEST(event_text, drops_vcd_request_ids_so_repeats_aggregate) {
  auto a = caf::make_error(vcd_errc::busy_entity,
                           "HTTP 400 BUSY_ENTITY: [ 3f0c1e2a-0b1c-4d2e-8f3a-9b8c7d6e5f4a ] The "
                           "entity gw is busy completing an operation.");
  auto b = caf::make_error(vcd_errc::busy_entity,
                           "HTTP 400 BUSY_ENTITY: [ 11111111-2222-3333-4444-555555555555 ] The "
                           "entity gw is busy completing an operation.");
  EXPECT_EQ(event_text(a), event_text(b));
  EXPECT_EQ(event_text(a), "vcd.busy_entity: HTTP 400 BUSY_ENTITY: The entity gw is busy "
                           "completing an operation.");
}

TEST(event_text, keeps_brackets_that_are_no_id) {
  EXPECT_EQ(strip_request_ids("ports [ 80 443 ] taken"), "ports [ 80 443 ] taken");
  EXPECT_EQ(strip_request_ids("list [] and [x]"), "list [] and [x]");
  EXPECT_EQ(strip_request_ids("[ abc ]"), "");
  EXPECT_EQ(strip_request_ids("a [ task-1 ] b [ req:2 ] c"), "a b c");
}

TEST(event_text, is_one_bounded_line) {
  std::string long_text(2000, 'x');
  auto err = caf::make_error(vcd_errc::server_error, "HTTP 500 -: line one\nline two " + long_text);
  auto text = event_text(err);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(text.size(), max_event_error);
  EXPECT_TRUE(text.ends_with("..."));
  // A cut never splits a UTF-8 character.
  std::string umlauts;
  for (int i = 0; i < 300; ++i)
    umlauts += "\xc3\xa4"; // ä
  auto cut = event_text(caf::make_error(vcd_errc::bad_request, umlauts), 101);
  EXPECT_LE(cut.size(), 101u);
  auto body = cut.substr(0, cut.size() - 3);
  auto pos = body.find(": ");
  ASSERT_NE(pos, std::string::npos);
  EXPECT_EQ((body.size() - pos - 2) % 2, 0u) << "split inside a character";
}

} // namespace
} // namespace vcdlb::detail
