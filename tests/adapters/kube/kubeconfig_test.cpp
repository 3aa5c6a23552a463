#include "adapters/kube/kubeconfig.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "adapters/kube/rate_limiter.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n" in base64.
constexpr std::string_view ca_pem = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
constexpr std::string_view ca_b64 =
  "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K";

class kubeconfig_test : public ::testing::Test {
protected:
  kubeconfig_test() {
    char tmpl[] = "/tmp/vcdlb-kubeconfig-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~kubeconfig_test() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, std::string_view text) {
    auto path = dir_ + "/" + name;
    fs::create_directories(fs::path{path}.parent_path());
    std::ofstream{path} << text;
    return path;
  }

  std::string dir_;
};

std::string basic_config(std::string_view extra_user = "token: s3cr3t-token") {
  return std::string{R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: )"}
         + std::string{ca_b64} + R"(
- name: c2
  cluster:
    server: https://10.0.0.2:6443
    insecure-skip-tls-verify: true
users:
- name: u1
  user:
    )" + std::string{extra_user}
         + R"(
contexts:
- name: dev
  context: {cluster: c1, user: u1, namespace: team-a}
- name: lab
  context: {cluster: c2, user: u1}
)";
}

TEST_F(kubeconfig_test, current_context_with_ca_data_and_token) {
  auto c = parse_kubeconfig(basic_config(), dir_, "");
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->tls.ca_pem, ca_pem);
  EXPECT_TRUE(c->tls.verify);
  EXPECT_EQ(c->token, "s3cr3t-token");
  EXPECT_EQ(c->ns, "team-a");
  EXPECT_NE(c->source.find("context dev"), std::string::npos);
}

TEST_F(kubeconfig_test, explicit_context_and_insecure) {
  auto c = parse_kubeconfig(basic_config(), dir_, "lab");
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->server, "https://10.0.0.2:6443");
  EXPECT_FALSE(c->tls.verify);
  EXPECT_EQ(c->ns, "default");
}

TEST_F(kubeconfig_test, files_are_relative_to_the_kubeconfig) {
  write("pki/ca.crt", ca_pem);
  write("pki/client.crt", "CERT");
  write("pki/client.key", "KEY");
  write("token", "file-token\n");
  auto path = write("sub/../config", R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://h:1", certificate-authority: pki/ca.crt}}]
users: [{name: u, user: {client-certificate: pki/client.crt, client-key: pki/client.key, tokenFile: token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
)");
  auto c = load_kubeconfig(path, "");
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->tls.ca_pem, ca_pem);
  EXPECT_EQ(c->tls.client_cert_pem, "CERT");
  EXPECT_EQ(c->tls.client_key_pem, "KEY");
  EXPECT_TRUE(fs::equivalent(c->token_file, dir_ + "/token"));
}

TEST_F(kubeconfig_test, client_certificate_data) {
  auto c = parse_kubeconfig(basic_config(std::string{"client-certificate-data: "}
                                         + std::string{ca_b64} + "\n    client-key-data: S0VZ"),
                            dir_, "");
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->tls.client_cert_pem, ca_pem);
  EXPECT_EQ(c->tls.client_key_pem, "KEY");
  auto half = parse_kubeconfig(basic_config("client-key-data: S0VZ"), dir_, "");
  ASSERT_FALSE(half);
  EXPECT_TRUE(has_code(half.error(), config_errc::invalid_value));
}

TEST_F(kubeconfig_test, errors_are_values_without_secrets) {
  struct bad_case {
    std::string yaml;
    std::string context;
    config_errc code;
  };
  std::vector<bad_case> cases{
    {basic_config("exec: {command: aws}\n    token: s3cr3t-token"), "", config_errc::invalid_value},
    {basic_config("username: admin\n    password: s3cr3t-token"), "", config_errc::invalid_value},
    {basic_config(), "nope", config_errc::invalid_value},
    {"clusters: [", "", config_errc::invalid_yaml},
    {"- a\n- b\n", "", config_errc::invalid_yaml},
    {"clusters: []\n", "", config_errc::missing_key},
    {R"(current-context: x
contexts: [{name: x, context: {cluster: missing, user: u}}])",
     "", config_errc::invalid_value},
    {R"(current-context: x
clusters: [{name: c, cluster: {server: "https://h", certificate-authority-data: "!!notbase64"}}]
contexts: [{name: x, context: {cluster: c}}])",
     "", config_errc::invalid_value},
    {R"(current-context: x
clusters: [{name: c, cluster: {server: "https://h", insecure-skip-tls-verify: true, certificate-authority: /x}}]
contexts: [{name: x, context: {cluster: c}}])",
     "", config_errc::invalid_value},
    {R"(current-context: x
clusters: [{name: c, cluster: {server: "https://h", certificate-authority: /nonexistent/ca.crt}}]
contexts: [{name: x, context: {cluster: c}}])",
     "", config_errc::unreadable_file},
    {R"(current-context: x
clusters: [{name: c, cluster: {server: {nested: map}}}]
contexts: [{name: x, context: {cluster: c}}])",
     "", config_errc::invalid_yaml},
  };
  for (const auto& bc : cases) {
    auto c = parse_kubeconfig(bc.yaml, dir_, bc.context);
    ASSERT_FALSE(c) << bc.yaml;
    EXPECT_TRUE(has_code(c.error(), bc.code)) << describe(c.error());
    EXPECT_EQ(describe(c.error()).find("s3cr3t"), std::string::npos) << describe(c.error());
  }
}

TEST_F(kubeconfig_test, kubeconfig_list_merges_first_definition_wins) {
  auto first = write("a", R"(
current-context: one
clusters: [{name: c, cluster: {server: "https://first:1"}}]
contexts: [{name: one, context: {cluster: c, user: u}}]
)");
  auto second = write("b", R"(
current-context: two
clusters: [{name: c, cluster: {server: "https://second:1"}}, {name: d, cluster: {server: "https://d:1"}}]
users: [{name: u, user: {token: tok}}]
contexts: [{name: two, context: {cluster: d}}]
)");
  auto c = load_kubeconfig(first + ":" + dir_ + "/missing:" + second, "");
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->server, "https://first:1");
  EXPECT_EQ(c->token, "tok"); // the user comes from the second file
  auto two = load_kubeconfig(first + ":" + second, "two");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->server, "https://d:1");
  auto missing = load_kubeconfig(dir_ + "/missing", "");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(has_code(missing.error(), config_errc::unreadable_file));
}

TEST_F(kubeconfig_test, in_cluster) {
  write("sa/ca.crt", ca_pem);
  write("sa/token", "sa-token\n");
  write("sa/namespace", "kube-system\n");
  in_cluster_env env;
  env.host = "10.96.0.1";
  env.port = "443";
  env.dir = dir_ + "/sa";
  auto c = load_in_cluster(env);
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->tls.ca_pem, ca_pem);
  EXPECT_EQ(c->token_file, dir_ + "/sa/token");
  EXPECT_TRUE(c->token.empty());
  EXPECT_EQ(c->ns, "kube-system");
  env.pod_namespace = "from-env";
  env.host = "fd00::1";
  c = load_in_cluster(env);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ns, "from-env");
  EXPECT_EQ(c->server, "https://[fd00::1]:443");
  env.host.clear();
  EXPECT_TRUE(has_code(load_in_cluster(env).error(), config_errc::missing_key));
  env.host = "10.96.0.1";
  fs::remove(dir_ + "/sa/token");
  EXPECT_TRUE(has_code(load_in_cluster(env).error(), config_errc::unreadable_file));
}

TEST_F(kubeconfig_test, flag_wins_over_environment) {
  auto path = write("cfg", basic_config());
  auto c = load_connection_config(path, "lab");
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->server, "https://10.0.0.2:6443");
}

TEST_F(kubeconfig_test, token_file_is_reread_when_stale_or_invalidated) {
  auto path = write("tok", "one\n");
  token_source::clock::time_point now{};
  token_source ts{"", path, 60s, [&] { return now; }};
  EXPECT_EQ(ts.current(), "one");
  write("tok", "two");
  now += 59s;
  EXPECT_EQ(ts.current(), "one"); // cached
  now += 1s;
  EXPECT_EQ(ts.current(), "two"); // a minute old: re-read
  write("tok", "three");
  ts.invalidate(); // e.g. after a 401
  EXPECT_EQ(ts.current(), "three");
  fs::remove(path);
  now += 120s;
  EXPECT_EQ(ts.current(), "three"); // unreadable during rotation: keep the last one
  EXPECT_EQ(ts.reads(), 4);
  token_source fixed{"static\n", ""};
  EXPECT_EQ(fixed.current(), "static");
}

TEST(token_bucket_test, burst_then_qps) {
  token_bucket::clock::time_point t{};
  token_bucket b{5.0, 10, t};
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(b.reserve(t).count(), 0) << i;
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(b.reserve(t)), 200ms);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(b.reserve(t)), 400ms);
  t += 1s; // 5 tokens back, 2 were borrowed
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(b.reserve(t).count(), 0) << i;
  EXPECT_GT(b.reserve(t).count(), 0);
  t += 1h; // refills to the burst, not beyond
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(b.reserve(t).count(), 0);
  EXPECT_GT(b.reserve(t).count(), 0);
  token_bucket unlimited{0, 1, t};
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(unlimited.reserve(t).count(), 0);
}

} // namespace
} // namespace vcdlb::kube
