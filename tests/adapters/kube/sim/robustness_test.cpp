// Bad input never crashes the double: every request gets exactly one well-formed answer.

#include <gtest/gtest.h>

#include <random>

#include <boost/json/parse.hpp>

#include "adapters/kube/sim/api_core.hpp"
#include "fake_writer.hpp"

using namespace vcdlb::kube::sim;
using vcdlb::kube::sim::test::call;
namespace json = boost::json;

namespace {

// Deterministic mutations of valid requests: truncation, byte flips and insertions.
std::string mutate(std::string s, std::mt19937_64& rng) {
  if (s.empty())
    return s;
  switch (rng() % 3) {
  case 0:
    s.resize(rng() % s.size());
    break;
  case 1:
    s[rng() % s.size()] = static_cast<char>(rng() % 256);
    break;
  default:
    s.insert(rng() % s.size(), 1, "{}[]\",:%$~/\\\x00"[rng() % 13]);
    break;
  }
  return s;
}

} // namespace

TEST(robustness, mutated_requests_always_get_one_answer) {
  api_core core;
  ASSERT_EQ(
    call(
      core, "POST", "/api/v1/namespaces/default/services",
      R"({"metadata":{"name":"web","finalizers":["f"]},"spec":{"type":"LoadBalancer","ports":[{"port":80}]}})")
      ->status(),
    201u);
  struct seed_request {
    const char* method;
    const char* target;
    const char* body;
    const char* type;
  };
  const seed_request seeds[] = {
    {"POST", "/api/v1/namespaces/default/services",
     R"({"metadata":{"name":"x"},"spec":{"type":"NodePort","ports":[{"port":1,"nodePort":30001}]}})",
     "application/json"},
    {"PUT", "/api/v1/namespaces/default/services/web",
     R"({"metadata":{"name":"web","resourceVersion":"5"},"spec":{"ports":[{"port":80}]}})",
     "application/json"},
    {"PATCH", "/api/v1/namespaces/default/services/web",
     R"({"spec":{"$setElementOrder/ports":[{"port":80}],"ports":[{"$patch":"delete","port":80},{"port":81}]}})",
     "application/strategic-merge-patch+json"},
    {"PATCH", "/api/v1/namespaces/default/services/web/status",
     R"([{"op":"move","from":"/spec","path":"/status/x"},{"op":"test","path":"/a~1b","value":1}])",
     "application/json-patch+json"},
    {"PATCH", "/api/v1/namespaces/default/services/web",
     R"({"metadata":{"finalizers":null,"labels":{"a":"b"}}})", "application/merge-patch+json"},
    {"GET",
     "/api/v1/services?labelSelector=a+in+%28b%2Cc%29%2C%21d&fieldSelector=metadata.name%3Dweb&"
     "limit=1&resourceVersion=1&resourceVersionMatch=Exact",
     "", "application/json"},
    {"GET", "/api/v1/services?continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6Miwic3RhcnQiOiIvIn0", "",
     "application/json"},
    {"GET", "/api/v1/namespaces/default/services?watch=1&resourceVersion=1&timeoutSeconds=5", "",
     "application/json"},
    {"DELETE", "/api/v1/namespaces/default/services/web",
     R"({"preconditions":{"uid":"x","resourceVersion":"1"}})", "application/json"},
  };
  std::mt19937_64 rng{42};
  int answered = 0;
  for (int round = 0; round < 400; ++round) {
    const auto& s = seeds[static_cast<size_t>(round) % std::size(seeds)];
    std::string target = s.target;
    std::string body = s.body;
    if (rng() % 2 == 0)
      body = mutate(body, rng);
    else
      target = mutate(target, rng);
    if (target.empty() || target[0] != '/')
      target.insert(0, "/");
    auto w = call(core, s.method, target, body, s.type);
    if (w->response) {
      ++answered;
      EXPECT_GE(w->response->status, 200u);
      if (w->response->status >= 400) {
        boost::system::error_code ec;
        auto parsed = json::parse(w->response->body, ec);
        ASSERT_FALSE(ec) << target << " -> " << w->response->body;
        EXPECT_EQ(parsed.at("kind"), "Status");
        EXPECT_EQ(parsed.at("code").as_int64(), w->response->status);
      }
    } else {
      EXPECT_EQ(w->stream_status, 200u) << target; // a watch
    }
  }
  EXPECT_GT(answered, 300);
  core.tick();
}
