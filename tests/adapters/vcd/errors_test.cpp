// Classification of VCD failures and recovering their parts from the error value.

#include "adapters/vcd/errors.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd;

TEST(vcd_errors, every_status_class_maps_to_its_code) {
  EXPECT_EQ(classify_status(400, "BUSY_ENTITY", "", false), vcd_errc::busy_entity);
  EXPECT_EQ(classify_status(400, "BAD_REQUEST",
                            "[ 39-2024 ] The entity Ref: com.vmware.vcloud.entity.gateway:964 is "
                            "busy completing an operation NAT_RULE_CREATE.",
                            false),
            vcd_errc::busy_entity);
  EXPECT_EQ(classify_status(400, "BAD_REQUEST", "Validation error", false), vcd_errc::bad_request);
  EXPECT_EQ(classify_status(400, "DUPLICATE_NAME", "", false), vcd_errc::conflict);
  EXPECT_EQ(classify_status(400, "CONFLICT", "", false), vcd_errc::conflict);
  EXPECT_EQ(classify_status(409, "", "", false), vcd_errc::conflict);
  EXPECT_EQ(classify_status(412, "", "", true), vcd_errc::precondition_failed);
  EXPECT_EQ(classify_status(401, "", "", false), vcd_errc::unauthorized);
  EXPECT_EQ(classify_status(403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN", "", true), vcd_errc::not_found);
  EXPECT_EQ(classify_status(403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN", "", false),
            vcd_errc::forbidden);
  EXPECT_EQ(classify_status(404, "NOT_FOUND", "", false), vcd_errc::not_found);
  EXPECT_EQ(classify_status(429, "", "", false), vcd_errc::rate_limited);
  EXPECT_EQ(classify_status(500, "INTERNAL_SERVER_ERROR", "", false), vcd_errc::server_error);
  EXPECT_EQ(classify_status(501, "", "", false), vcd_errc::server_error);
  EXPECT_EQ(classify_status(502, "", "", false), vcd_errc::unavailable);
  EXPECT_EQ(classify_status(503, "", "", false), vcd_errc::unavailable);
  EXPECT_EQ(classify_status(504, "", "", false), vcd_errc::unavailable);
  EXPECT_EQ(classify_status(415, "", "", false), vcd_errc::bad_request);
}

TEST(vcd_errors, retryable_classes) {
  EXPECT_TRUE(is_retryable(make_http_error(400, "BUSY_ENTITY", "busy", -1, false)));
  EXPECT_TRUE(is_retryable(make_http_error(429, "", "slow down", 7, false)));
  EXPECT_TRUE(is_retryable(make_http_error(503, "", "", -1, false)));
  EXPECT_FALSE(is_retryable(make_http_error(400, "BAD_REQUEST", "no", -1, false)));
  EXPECT_FALSE(is_retryable(make_http_error(403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN", "", -1, true)));
}

TEST(vcd_errors, http_error_keeps_status_minor_code_message_and_retry_after) {
  auto err = make_http_error(429, "", "Too many requests", 7, false);
  EXPECT_TRUE(has_code(err, vcd_errc::rate_limited));
  EXPECT_EQ(error_detail(err), "HTTP 429 - retry-after=7: Too many requests");
  auto info = parse_error_info(err);
  EXPECT_EQ(info.http_status, 429u);
  EXPECT_EQ(info.minor_error_code, "");
  EXPECT_EQ(info.message, "Too many requests");
  EXPECT_EQ(info.retry_after_seconds, 7);
  EXPECT_FALSE(info.from_task);

  err = make_http_error(400, "BUSY_ENTITY", "[ x ] The entity Ref: a: b is busy", -1, false);
  EXPECT_EQ(describe(err),
            "vcd.busy_entity: HTTP 400 BUSY_ENTITY: [ x ] The entity Ref: a: b is busy");
  info = parse_error_info(err);
  EXPECT_EQ(info.http_status, 400u);
  EXPECT_EQ(info.minor_error_code, "BUSY_ENTITY");
  EXPECT_EQ(info.message, "[ x ] The entity Ref: a: b is busy");
  EXPECT_EQ(info.retry_after_seconds, -1);
}

TEST(vcd_errors, task_errors) {
  task t;
  t.id = "urn:vcloud:task:1";
  t.status = task_status::error;
  t.error = {500, "INTERNAL_SERVER_ERROR", "Avi said no"};
  auto err = make_task_error(t);
  EXPECT_TRUE(has_code(err, vcd_errc::task_failed));
  auto info = parse_error_info(err);
  EXPECT_TRUE(info.from_task);
  EXPECT_EQ(info.http_status, 500u);
  EXPECT_EQ(info.minor_error_code, "INTERNAL_SERVER_ERROR");
  EXPECT_EQ(info.message, "Avi said no");

  t.error = {400, "BUSY_ENTITY", "busy"};
  EXPECT_TRUE(has_code(make_task_error(t), vcd_errc::busy_entity));

  task aborted;
  aborted.id = "urn:vcloud:task:2";
  aborted.status = task_status::aborted;
  err = make_task_error(aborted);
  EXPECT_TRUE(has_code(err, vcd_errc::task_failed));
  EXPECT_EQ(parse_error_info(err).message, "task urn:vcloud:task:2 ended with status aborted");
}

TEST(vcd_errors, foreign_details_come_back_as_message) {
  auto info = parse_error_info(caf::make_error(vcd_errc::bad_response, std::string{"truncated"}));
  EXPECT_EQ(info.http_status, 0u);
  EXPECT_EQ(info.message, "truncated");
  info = parse_error_info(caf::make_error(vcd_errc::bad_response, std::string{"HTTP x"}));
  EXPECT_EQ(info.http_status, 0u);
  EXPECT_EQ(info.message, "HTTP x");
}

} // namespace
