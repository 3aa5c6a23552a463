#include "adapters/kube/kubeconfig.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "protocol/errors.hpp"

namespace vcdlb::kube {

namespace {

caf::error config_error(config_errc code, std::string detail) {
  return caf::make_error(code, "kubeconfig: " + std::move(detail));
}

caf::expected<std::string> read_file(const std::string& path, std::string_view what) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return caf::make_error(config_errc::unreadable_file,
                           std::string{what} + ": cannot read \"" + path + "\"");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad())
    return caf::make_error(config_errc::unreadable_file,
                           std::string{what} + ": cannot read \"" + path + "\"");
  return ss.str();
}

std::string trim(std::string s) {
  auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!s.empty() && is_space(s.back()))
    s.pop_back();
  size_t i = 0;
  while (i < s.size() && is_space(s[i]))
    ++i;
  return s.substr(i);
}

std::optional<std::string> base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z')
      return c - 'A';
    if (c >= 'a' && c <= 'z')
      return c - 'a' + 26;
    if (c >= '0' && c <= '9')
      return c - '0' + 52;
    if (c == '+' || c == '-')
      return 62;
    if (c == '/' || c == '_')
      return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : in) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
      continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0)
      return std::nullopt; // data after padding
    auto v = value(c);
    if (v < 0)
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (padding > 2 || bits >= 6)
    return std::nullopt;
  return out;
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty())
    return path;
  return base_dir + "/" + path;
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string scalar(const YAML::Node& n, const char* key) {
  auto v = n[key];
  if (!v || v.IsNull())
    return {};
  if (!v.IsScalar())
    throw YAML::Exception(v.Mark(), std::string{"\""} + key + "\" must be a string");
  return v.as<std::string>();
}

struct cluster_entry {
  std::string base_dir;
  std::string server;
  std::string ca_data;
  std::string ca_file;
  bool insecure = false;
  std::string tls_server_name;
};

struct user_entry {
  std::string base_dir;
  std::string token;
  std::string token_file;
  std::string cert_data;
  std::string cert_file;
  std::string key_data;
  std::string key_file;
  std::string unsupported; ///< name of an auth method we do not implement
};

struct context_entry {
  std::string cluster;
  std::string user;
  std::string ns;
};

struct merged {
  std::string current_context;
  std::map<std::string, cluster_entry> clusters;
  std::map<std::string, user_entry> users;
  std::map<std::string, context_entry> contexts;
};

// Adds one file's definitions; earlier definitions win (KUBECONFIG merge rule).
caf::error merge(merged& m, std::string_view yaml, const std::string& base_dir,
                 const std::string& name) {
  try {
    auto root = YAML::Load(std::string{yaml});
    if (!root || root.IsNull())
      return {};
    if (!root.IsMap())
      return config_error(config_errc::invalid_yaml, name + ": not a mapping");
    if (m.current_context.empty())
      m.current_context = scalar(root, "current-context");
    for (const auto& item : root["clusters"]) {
      auto key = scalar(item, "name");
      auto c = item["cluster"];
      if (key.empty() || !c || m.clusters.count(key) != 0)
        continue;
      cluster_entry e;
      e.base_dir = base_dir;
      e.server = scalar(c, "server");
      e.ca_data = scalar(c, "certificate-authority-data");
      e.ca_file = scalar(c, "certificate-authority");
      auto insecure = scalar(c, "insecure-skip-tls-verify");
      e.insecure = insecure == "true" || insecure == "True";
      e.tls_server_name = scalar(c, "tls-server-name");
      m.clusters.emplace(key, std::move(e));
    }
    for (const auto& item : root["users"]) {
      auto key = scalar(item, "name");
      auto u = item["user"];
      if (key.empty() || m.users.count(key) != 0)
        continue;
      user_entry e;
      e.base_dir = base_dir;
      if (u && u.IsMap()) {
        e.token = scalar(u, "token");
        e.token_file = scalar(u, "tokenFile");
        e.cert_data = scalar(u, "client-certificate-data");
        e.cert_file = scalar(u, "client-certificate");
        e.key_data = scalar(u, "client-key-data");
        e.key_file = scalar(u, "client-key");
        if (u["exec"])
          e.unsupported = "exec credential plugins";
        else if (u["auth-provider"])
          e.unsupported = "auth-provider plugins";
        else if (u["username"] || u["password"])
          e.unsupported = "basic authentication (username/password)";
      }
      m.users.emplace(key, std::move(e));
    }
    for (const auto& item : root["contexts"]) {
      auto key = scalar(item, "name");
      auto c = item["context"];
      if (key.empty() || !c || m.contexts.count(key) != 0)
        continue;
      m.contexts.emplace(
        key, context_entry{scalar(c, "cluster"), scalar(c, "user"), scalar(c, "namespace")});
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp messages quote positions and structure, not values.
    return config_error(config_errc::invalid_yaml, name + ": " + e.what());
  }
  return {};
}

// Decodes `data` (base64) or reads `file`; "" when neither is set.
caf::expected<std::string> data_or_file(const std::string& data, const std::string& file,
                                        const std::string& base_dir, const std::string& what) {
  if (!data.empty()) {
    auto decoded = base64_decode(data);
    if (!decoded)
      return config_error(config_errc::invalid_value, what + "-data is not valid base64");
    return *decoded;
  }
  if (!file.empty())
    return read_file(resolve(base_dir, file), "kubeconfig: " + what);
  return std::string{};
}

caf::expected<connection_config> resolve_context(const merged& m, const std::string& context,
                                                 const std::string& name) {
  auto ctx_name = context.empty() ? m.current_context : context;
  if (ctx_name.empty())
    return config_error(config_errc::missing_key, name + ": no current-context and none given");
  auto ci = m.contexts.find(ctx_name);
  if (ci == m.contexts.end())
    return config_error(config_errc::invalid_value,
                        name + ": context \"" + ctx_name + "\" is not defined");
  const auto& ctx = ci->second;
  auto cl = m.clusters.find(ctx.cluster);
  if (cl == m.clusters.end())
    return config_error(config_errc::invalid_value, name + ": cluster \"" + ctx.cluster
                                                      + "\" of context \"" + ctx_name
                                                      + "\" is not defined");
  const auto& cluster = cl->second;
  connection_config out;
  out.source = "kubeconfig " + name + " (context " + ctx_name + ")";
  out.server = cluster.server;
  while (!out.server.empty() && out.server.back() == '/')
    out.server.pop_back();
  if (out.server.empty())
    return config_error(config_errc::missing_key,
                        name + ": cluster \"" + ctx.cluster + "\" has no server");
  if (!ctx.ns.empty())
    out.ns = ctx.ns;
  if (cluster.insecure && (!cluster.ca_data.empty() || !cluster.ca_file.empty()))
    return config_error(config_errc::invalid_value,
                        name
                          + ": a certificate authority with insecure-skip-tls-verify is not "
                            "allowed");
  out.tls.verify = !cluster.insecure;
  out.tls.server_name = cluster.tls_server_name;
  auto ca =
    data_or_file(cluster.ca_data, cluster.ca_file, cluster.base_dir, "certificate-authority");
  if (!ca)
    return ca.error();
  out.tls.ca_pem = std::move(*ca);
  if (ctx.user.empty())
    return out;
  auto ui = m.users.find(ctx.user);
  if (ui == m.users.end())
    return config_error(config_errc::invalid_value,
                        name + ": user \"" + ctx.user + "\" is not defined");
  const auto& user = ui->second;
  if (!user.unsupported.empty())
    return config_error(config_errc::invalid_value,
                        name + ": user \"" + ctx.user + "\" uses " + user.unsupported
                          + ", which vcdlb does not support; use a token or a client "
                            "certificate");
  out.token = user.token;
  if (!user.token_file.empty()) {
    out.token_file = resolve(user.base_dir, user.token_file);
    if (auto t = read_file(out.token_file, "kubeconfig: tokenFile"); !t)
      return t.error();
  }
  auto cert = data_or_file(user.cert_data, user.cert_file, user.base_dir, "client-certificate");
  if (!cert)
    return cert.error();
  auto key = data_or_file(user.key_data, user.key_file, user.base_dir, "client-key");
  if (!key)
    return key.error();
  if (cert->empty() != key->empty())
    return config_error(config_errc::invalid_value,
                        name + ": user \"" + ctx.user
                          + "\" needs both a client certificate and a client key");
  out.tls.client_cert_pem = std::move(*cert);
  out.tls.client_key_pem = std::move(*key);
  return out;
}

std::string getenv_or(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string{v} : fallback;
}

} // namespace

caf::expected<connection_config>
parse_kubeconfig(std::string_view yaml, const std::string& base_dir, const std::string& context) {
  merged m;
  if (auto err = merge(m, yaml, base_dir, "<inline>"))
    return err;
  return resolve_context(m, context, "<inline>");
}

caf::expected<connection_config> load_kubeconfig(const std::string& paths,
                                                 const std::string& context) {
  std::vector<std::string> files;
  std::string current;
  std::istringstream ss{paths};
  while (std::getline(ss, current, ':'))
    if (!current.empty())
      files.push_back(current);
  if (files.empty())
    return config_error(config_errc::missing_key, "no kubeconfig file given");
  merged m;
  size_t loaded = 0;
  for (const auto& f : files) {
    auto text = read_file(f, "kubeconfig");
    if (!text) {
      if (files.size() == 1)
        return text.error();
      continue; // client-go skips missing files in a KUBECONFIG list
    }
    if (auto err = merge(m, *text, dir_of(f), f))
      return err;
    ++loaded;
  }
  if (loaded == 0)
    return config_error(config_errc::unreadable_file,
                        "none of the files in \"" + paths + "\" could be read");
  return resolve_context(m, context, files.size() == 1 ? files.front() : paths);
}

in_cluster_env in_cluster_env::from_environment() {
  in_cluster_env env;
  env.host = getenv_or("KUBERNETES_SERVICE_HOST");
  env.port = getenv_or("KUBERNETES_SERVICE_PORT");
  env.pod_namespace = getenv_or("POD_NAMESPACE");
  return env;
}

caf::expected<connection_config> load_in_cluster(const in_cluster_env& env) {
  if (env.host.empty() || env.port.empty())
    return caf::make_error(config_errc::missing_key,
                           std::string{"in-cluster: KUBERNETES_SERVICE_HOST and "
                                       "KUBERNETES_SERVICE_PORT must be set"});
  connection_config out;
  out.source = "in-cluster";
  auto host = env.host;
  if (host.find(':') != std::string::npos && host.front() != '[')
    host = "[" + host + "]"; // IPv6
  out.server = "https://" + host + ":" + env.port;
  auto ca = read_file(env.dir + "/ca.crt", "in-cluster: CA");
  if (!ca)
    return ca.error();
  out.tls.ca_pem = std::move(*ca);
  out.token_file = env.dir + "/token";
  if (auto t = read_file(out.token_file, "in-cluster: token"); !t)
    return t.error();
  if (!env.pod_namespace.empty()) {
    out.ns = env.pod_namespace;
  } else if (auto ns = read_file(env.dir + "/namespace", "in-cluster: namespace")) {
    if (auto t = trim(*ns); !t.empty())
      out.ns = t;
  }
  return out;
}

caf::expected<connection_config> load_connection_config(const std::string& kubeconfig_flag,
                                                        const std::string& context) {
  if (!kubeconfig_flag.empty())
    return load_kubeconfig(kubeconfig_flag, context);
  if (auto env = getenv_or("KUBECONFIG"); !env.empty())
    return load_kubeconfig(env, context);
  auto ic = in_cluster_env::from_environment();
  if (!ic.host.empty())
    return load_in_cluster(ic);
  auto home = getenv_or("HOME");
  if (home.empty())
    return caf::make_error(config_errc::missing_key,
                           std::string{"no kubeconfig: set --kubeconfig or KUBECONFIG, or run "
                                       "in a cluster"});
  return load_kubeconfig(home + "/.kube/config", context);
}

// -- token_source -------------------------------------------------------------------------------

token_source::token_source(std::string static_token, std::string file, std::chrono::seconds refresh,
                           std::function<clock::time_point()> now)
  : token_(trim(std::move(static_token))), file_(std::move(file)), refresh_(refresh),
    now_(std::move(now)) {}

std::string token_source::current() {
  std::lock_guard guard{mtx_};
  if (file_.empty())
    return token_;
  auto now = now_();
  if (!fresh_ || now - read_at_ >= refresh_) {
    ++reads_;
    if (auto text = read_file(file_, "token")) {
      token_ = trim(std::move(*text));
      read_at_ = now;
      fresh_ = true;
    }
    // A failed read keeps the last token: the kubelet may be mid-rotation.
  }
  return token_;
}

void token_source::invalidate() {
  std::lock_guard guard{mtx_};
  fresh_ = false;
}

int token_source::reads() const {
  std::lock_guard guard{mtx_};
  return reads_;
}

} // namespace vcdlb::kube
