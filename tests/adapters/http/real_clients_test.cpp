// The server against real HTTP clients: curl, Python urllib3 (what python3-kubernetes uses)
// and Go's net/http (kubectl). Each test is skipped when its client is not installed.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "fixture.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::http;
using namespace vcdlb::http::test;
namespace fs = std::filesystem;

constexpr const char* curl = "/usr/bin/curl";
constexpr const char* python = "/usr/bin/python3";
constexpr const char* kubectl = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33";

struct run_result {
  int exit_code = -1;
  std::string out;
};

// Runs a shell command (stderr folded into the output) and waits for it.
run_result run(const std::string& command) {
  run_result result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr)
    return result;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0)
    result.out.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class http_real_clients : public http_test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vcdlb-http-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    start_server();
    ca_file_ = (dir_ / "ca.pem").string();
    std::ofstream{ca_file_} << server_->ca_pem();
    set_handler([this](request req, std::shared_ptr<response_writer> w) {
      if (req.path() == "/stream")
        return stream(std::move(w));
      response r;
      r.status = 200;
      r.fields = {{"Content-Type", "text/plain"}};
      r.body = req.method + " " + req.target + " " + std::to_string(req.body.size());
      w->respond(std::move(r));
    });
  }
  void TearDown() override {
    std::vector<std::thread> writers;
    {
      std::lock_guard lock{mutex_};
      writers.swap(writers_);
    }
    for (auto& t : writers)
      t.join();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Three lines written from another thread, as a watch does.
  void stream(std::shared_ptr<response_writer> w) {
    w->start_stream(200, {{"Content-Type", "application/json"}});
    std::lock_guard lock{mutex_};
    writers_.emplace_back([w] {
      for (int i = 0; i < 3; ++i) {
        w->write("{\"n\":" + std::to_string(i) + "}\n");
        std::this_thread::sleep_for(10ms);
      }
      w->finish();
    });
  }

  fs::path dir_;
  std::string ca_file_;
  std::vector<std::thread> writers_;
};

TEST_F(http_real_clients, curl_over_https_with_cacert) {
  if (!fs::exists(curl))
    GTEST_SKIP() << "no curl";
  auto url = server_->url();
  // Two URLs in one invocation: curl reuses the connection.
  auto r = run(std::string{curl} + " -sS --fail --cacert " + ca_file_ + " " + url
               + "/a?x=1 -o /dev/stdout " + url + "/b");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "GET /a?x=1 0GET /b 0");
  EXPECT_EQ(server_->accepted_connections(), 1u);
  // A body sent only after "100 Continue" (curl would wait 30 s without it).
  auto body = dir_ / "body.bin";
  std::ofstream{body} << std::string(300'000, 'z');
  r = run(std::string{curl} + " -sS --fail --cacert " + ca_file_
          + " -H 'Expect: 100-continue' --expect100-timeout 30 --data-binary @" + body.string()
          + " " + url + "/upload");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "POST /upload 300000");
  // HEAD ("HEAD /h 0" is 9 bytes, not sent) and a chunked stream.
  r = run(std::string{curl} + " -sS --fail --cacert " + ca_file_ + " -I " + url + "/h");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Content-Length: 9"), std::string::npos) << r.out;
  r = run(std::string{curl} + " -sS --fail -N --cacert " + ca_file_ + " " + url + "/stream");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
  // Without the CA curl refuses the certificate.
  r = run(std::string{curl} + " -sS " + url + "/a");
  EXPECT_NE(r.exit_code, 0) << r.out;
}

TEST_F(http_real_clients, python_urllib3_over_https) {
  if (!fs::exists(python) || run(std::string{python} + " -c 'import urllib3'").exit_code != 0)
    GTEST_SKIP() << "no python3 urllib3";
  auto script = dir_ / "client.py";
  std::ofstream{script} << R"(import sys, urllib3
url, ca = sys.argv[1], sys.argv[2]
pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=ca)
r = pool.request("POST", url + "/p", body=b"x" * 1000, headers={"Content-Type": "application/json"})
print(r.status, r.data.decode())
r = pool.request("GET", url + "/stream", preload_content=False)
for line in r.stream(16):
    sys.stdout.write(line.decode())
r.release_conn()
r = pool.request("DELETE", url + "/d")
print(r.status, r.data.decode())
)";
  auto r = run(std::string{python} + " " + script.string() + " " + server_->url() + " " + ca_file_);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "200 POST /p 1000\n{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n200 DELETE /d 0\n");
  EXPECT_EQ(server_->accepted_connections(), 1u);
}

TEST_F(http_real_clients, go_net_http_via_kubectl) {
  if (!fs::exists(kubectl))
    GTEST_SKIP() << "no kubectl";
  auto kubeconfig = dir_ / "kubeconfig";
  std::ofstream{kubeconfig} << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
                            << "    server: " << server_->url() << "\n"
                            << "    certificate-authority: " << ca_file_ << "\n"
                            << "users:\n- name: u\n  user:\n    token: t\n"
                            << "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n"
                            << "current-context: x\n";
  auto base = std::string{kubectl} + " --kubeconfig " + kubeconfig.string() + " --cache-dir "
              + (dir_ / "cache").string() + " ";
  auto r = run(base + "get --raw '/healthz?verbose=1'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "GET /healthz?verbose=1 0");
  r = run(base + "get --raw /stream");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
}

} // namespace
