#include "protocol/errors.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vcdlb;

TEST(errors, has_code_matches_category_and_code_not_context) {
  auto err = caf::make_error(vcd_errc::busy_entity, std::string{"locked"});
  EXPECT_TRUE(has_code(err, vcd_errc::busy_entity));
  EXPECT_FALSE(has_code(err, vcd_errc::rate_limited));
  // Same numeric code, other category.
  EXPECT_FALSE(has_code(err, kube_errc::not_found));
  EXPECT_FALSE(has_code(caf::error{}, vcd_errc::busy_entity)) << "no error has no code";
}

TEST(errors, describe_names_category_code_and_detail) {
  EXPECT_EQ(describe(caf::make_error(kube_errc::conflict, std::string{"svc a/b"})),
            "kube.conflict: svc a/b");
  EXPECT_EQ(describe(caf::make_error(lb_errc::ip_exhausted)), "lb.ip_exhausted");
  EXPECT_EQ(describe(caf::make_error(vcd_errc::tls_failed)), "vcd.tls_failed");
  EXPECT_EQ(describe(caf::make_error(vcd_errc::cancelled)), "vcd.cancelled");
  EXPECT_EQ(describe(caf::make_error(vcd_errc::precondition_failed)), "vcd.precondition_failed");
  EXPECT_EQ(describe(caf::error{}), "ok");
}

TEST(errors, code_name_leaves_the_detail_out) {
  EXPECT_EQ(code_name(caf::make_error(vcd_errc::busy_entity, std::string{"gateway locked"})),
            "vcd.busy_entity");
  EXPECT_EQ(code_name(caf::make_error(net_errc::timeout)), "net.timeout");
  EXPECT_EQ(code_name(caf::error{}), "ok");
}

TEST(errors, unknown_codes_render_without_crashing) {
  EXPECT_EQ(describe(caf::error{200, caf::atom("vcd")}), "vcd.code-200");
}

TEST(errors, error_detail_is_empty_without_string_context) {
  EXPECT_EQ(error_detail(caf::make_error(net_errc::timeout)), "");
  EXPECT_EQ(error_detail(caf::make_error(net_errc::timeout, std::string{"connect"})), "connect");
}

TEST(errors, retryable_classification) {
  EXPECT_TRUE(is_retryable(caf::make_error(vcd_errc::busy_entity)));
  EXPECT_TRUE(is_retryable(caf::make_error(vcd_errc::rate_limited)));
  EXPECT_TRUE(is_retryable(caf::make_error(vcd_errc::unavailable)));
  EXPECT_TRUE(is_retryable(caf::make_error(vcd_errc::unauthorized)));
  EXPECT_FALSE(is_retryable(caf::make_error(vcd_errc::bad_request)));
  EXPECT_FALSE(is_retryable(caf::make_error(vcd_errc::not_found)));
  EXPECT_FALSE(is_retryable(caf::make_error(vcd_errc::tls_failed)));
  EXPECT_FALSE(is_retryable(caf::make_error(vcd_errc::cancelled)));
  // A stale ETag needs a fresh read before the write, not the same request again.
  EXPECT_FALSE(is_retryable(caf::make_error(vcd_errc::precondition_failed)));
  EXPECT_TRUE(is_retryable(caf::make_error(kube_errc::conflict)));
  EXPECT_FALSE(is_retryable(caf::make_error(kube_errc::invalid)));
  EXPECT_FALSE(is_retryable(caf::make_error(kube_errc::bad_request)));
  EXPECT_TRUE(is_retryable(caf::make_error(kube_errc::too_large_rv)));
  EXPECT_EQ(describe(caf::make_error(kube_errc::too_large_rv)), "kube.too_large_rv");
  EXPECT_EQ(describe(caf::make_error(kube_errc::bad_request)), "kube.bad_request");
  EXPECT_TRUE(is_retryable(caf::make_error(net_errc::connection_closed)));
  EXPECT_FALSE(is_retryable(caf::make_error(net_errc::cancelled)));
  EXPECT_FALSE(is_retryable(caf::make_error(config_errc::unknown_key)));
  EXPECT_FALSE(is_retryable(caf::error{}));
}

} // namespace
