#include "config/parse.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <system_error>
#include <tuple>

#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "config/detail/validate.hpp"
#include "config/detail/yaml_reader.hpp"

namespace vcdlb::config {

namespace {

using detail::position_map;
using detail::yaml_reader;
using field = yaml_reader::field;

constexpr int64_t int32_min = std::numeric_limits<int32_t>::min();
constexpr int64_t int32_max = std::numeric_limits<int32_t>::max();

// Reads an int-typed field; validation of its range happens in validate().
auto int_field(yaml_reader& r, int& out) {
  return [&r, &out](const YAML::Node& n, const std::string& p) {
    int64_t v = out;
    r.read_int(n, p, int32_min, int32_max, v);
    out = static_cast<int>(v);
  };
}

auto string_field(yaml_reader& r, std::string& out) {
  return [&r, &out](const YAML::Node& n, const std::string& p) { r.read_string(n, p, out); };
}

auto bool_field(yaml_reader& r, bool& out) {
  return [&r, &out](const YAML::Node& n, const std::string& p) { r.read_bool(n, p, out); };
}

auto duration_field(yaml_reader& r, std::chrono::milliseconds& out) {
  return [&r, &out](const YAML::Node& n, const std::string& p) { r.read_duration(n, p, out); };
}

void read_vcd(yaml_reader& r, const YAML::Node& node, const std::string& path, vcd_section& vcd) {
  r.read_map(
    node, path,
    {
      {"host", string_field(r, vcd.host)},
      {"org", string_field(r, vcd.org)},
      {"vdc", string_field(r, vcd.vdc)},
      {"isZoneEnabledCluster", bool_field(r, vcd.is_zone_enabled_cluster)},
      // Upstream's untagged Go fields: yaml.v2 lower-cases their names.
      {"user", string_field(r, vcd.user)},
      {"secret",
       [&](const YAML::Node& n, const std::string& p) { r.read_secret(n, p, vcd.secret); }},
      {"refreshtoken",
       [&](const YAML::Node& n, const std::string& p) { r.read_secret(n, p, vcd.refresh_token); }},
      {"userorg", string_field(r, vcd.user_org)},
    });
}

void read_loadbalancer(yaml_reader& r, const YAML::Node& node, const std::string& path,
                       loadbalancer_section& lb) {
  r.read_map(
    node, path,
    {
      {"oneArm",
       [&](const YAML::Node& n, const std::string& p) {
         // `oneArm:` with no value is an absent block, as a nil pointer in upstream.
         if (n.IsNull())
           return;
         one_arm_section one_arm;
         r.read_map(n, p,
                    {{"startIP", string_field(r, one_arm.start_ip)},
                     {"endIP", string_field(r, one_arm.end_ip)}});
         if (n.IsMap())
           lb.one_arm = std::move(one_arm);
       }},
      {"ports",
       [&](const YAML::Node& n, const std::string& p) {
         auto port = [&](int32_t& out) {
           return [&r, &out](const YAML::Node& pn, const std::string& pp) {
             int64_t v = out;
             r.read_int(pn, pp, int32_min, int32_max, v);
             out = static_cast<int32_t>(v);
           };
         };
         r.read_map(n, p, {{"http", port(lb.ports.http)}, {"https", port(lb.ports.https)}});
       }},
      {"certAlias", string_field(r, lb.cert_alias)},
      {"network", string_field(r, lb.network)},
      {"vipSubnet", string_field(r, lb.vip_subnet)},
      {"enableVirtualServiceSharedIP", bool_field(r, lb.enable_virtual_service_shared_ip)},
    });
}

void read_vcdlb(yaml_reader& r, const YAML::Node& node, const std::string& path, vcdlb_section& v) {
  auto vcd = [&](const YAML::Node& n, const std::string& p) {
    auto task_poll = [&](const YAML::Node& tn, const std::string& tp) {
      r.read_map(tn, tp,
                 {
                   {"initialInterval", duration_field(r, v.task_poll.initial_interval)},
                   {"maxInterval", duration_field(r, v.task_poll.max_interval)},
                   {"multiplier",
                    [&](const YAML::Node& mn, const std::string& mp) {
                      r.read_double(mn, mp, v.task_poll.multiplier);
                    }},
                   {"timeout", duration_field(r, v.task_poll.timeout)},
                 });
    };
    auto tls = [&](const YAML::Node& tn, const std::string& tp) {
      r.read_map(tn, tp,
                 {
                   {"caFile", string_field(r, v.tls.ca_file)},
                   {"insecureSkipVerify", bool_field(r, v.tls.insecure_skip_verify)},
                 });
    };
    r.read_map(n, p,
               {
                 {"qps", [&](const YAML::Node& qn,
                             const std::string& qp) { r.read_double(qn, qp, v.vcd_qps); }},
                 {"burst", int_field(r, v.vcd_burst)},
                 {"maxConcurrentRequests", int_field(r, v.vcd_max_concurrent_requests)},
                 {"requestTimeout", duration_field(r, v.request_timeout)},
                 {"taskPoll", task_poll},
                 {"tls", tls},
               });
  };
  auto leader_election = [&](const YAML::Node& n, const std::string& p) {
    auto& le = v.leader_election;
    r.read_map(n, p,
               {
                 {"enabled", bool_field(r, le.enabled)},
                 {"leaseName", string_field(r, le.lease_name)},
                 {"leaseNamespace", string_field(r, le.lease_namespace)},
                 {"leaseDuration", duration_field(r, le.lease_duration)},
                 {"renewDeadline", duration_field(r, le.renew_deadline)},
                 {"retryPeriod", duration_field(r, le.retry_period)},
               });
  };
  auto log = [&](const YAML::Node& n, const std::string& p) {
    r.read_map(n, p,
               {
                 {"level", string_field(r, v.log.level)},
                 {"format",
                  [&](const YAML::Node& fn, const std::string& fp) {
                    r.read_enum(fn, fp, {{"text", log_format::text}, {"json", log_format::json}},
                                v.log.format);
                  }},
               });
  };
  r.read_map(node, path,
             {
               {"vcd", vcd},
               {"naming",
                [&](const YAML::Node& n, const std::string& p) {
                  r.read_enum(n, p,
                              {{"namespaced", naming_scheme::namespaced},
                               {"upstream", naming_scheme::upstream}},
                              v.naming);
                }},
               {"loadBalancerClass", string_field(r, v.load_balancer_class)},
               {"metricsAddress", string_field(r, v.metrics_address)},
               {"leaderElection", leader_election},
               {"log", log},
               {"workerThreads", int_field(r, v.worker_threads)},
             });
}

problem whole_file(config_errc code, int line, int column, std::string message,
                   std::string file = {}) {
  return problem{code, "", line, column, std::move(message), std::move(file)};
}

// What load_config_file adds to the configuration file (parse_options).
struct vcdlb_sources {
  std::string file;    ///< the --vcdlb-config file; "" = none
  std::string text;    ///< its contents
  std::string ca_file; ///< --vcd-ca-file; "" = not given
};

// Records where each YAML document starts; ignores everything else.
class document_marks final : public YAML::EventHandler {
public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Offset of the first byte of `text` that is not part of a well-formed UTF-8 sequence (no
// overlongs, surrogates or code points above U+10FFFF), or npos. yaml-cpp passes such bytes
// through into strings, which would then reach URLs, JSON bodies and logs.
size_t invalid_utf8_at(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      lo = c == 0xE0 ? 0xA0 : 0x80;
      hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      lo = c == 0xF0 ? 0x90 : 0x80;
      hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
      return i;
    }
    if (i + len > text.size())
      return i;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
        return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// One YAML document's root node (a null node for empty text), or the problems. `what` names
// the text in messages ("the configuration"); `file` attributes the problems ("" = the
// configuration file).
checked<YAML::Node> load_root(std::string_view text, std::string_view what,
                              const std::string& file) {
  auto fail = [&](int line, int column, std::string message) {
    return std::vector<problem>{
      whole_file(config_errc::invalid_yaml, line, column, std::move(message), file)};
  };
  if (text.size() > max_config_file_size)
    return fail(0, 0,
                std::string{what} + " is " + std::to_string(text.size()) + " bytes; at most "
                  + std::to_string(max_config_file_size) + " are accepted");
  if (auto bad = invalid_utf8_at(text); bad != std::string_view::npos) {
    const auto before = text.substr(0, bad);
    const auto line = static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1;
    const auto line_start = before.rfind('\n');
    const auto column =
      static_cast<int>(line_start == std::string_view::npos ? bad + 1 : bad - line_start);
    return fail(line, column,
                std::string{what} + " is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
  try {
    // yaml-cpp 0.7's LoadAll never returns on stray flow indicators (" , a: b" yields empty
    // documents forever; found by fuzz/config_fuzzer). Count documents with a bounded event
    // pass instead, then load the one document.
    const std::string owned{text};
    std::istringstream in{owned};
    YAML::Parser parser{in};
    document_marks marks;
    for (int i = 0; i < 2 && parser.HandleNextDocument(marks); ++i) {
      // At most two documents are read: one is the config, a second is an error.
    }
    if (marks.starts.size() > 1) {
      const auto& m = marks.starts[1];
      return fail(m.line + 1, m.column + 1,
                  "expected one YAML document, found more (a '---' separator or stray content "
                  "such as a ',' outside [...] or {...})");
    }
    return YAML::Load(owned);
  } catch (const YAML::Exception& e) {
    const bool has_mark = !e.mark.is_null() && e.mark.line >= 0;
    return fail(has_mark ? e.mark.line + 1 : 0, has_mark ? e.mark.column + 1 : 0,
                "invalid YAML: " + e.msg);
  } catch (const std::exception& e) {
    return fail(0, 0, std::string{"invalid YAML: "} + e.what());
  }
}

// Applies the `--vcdlb-config` file and `--vcd-ca-file` over what the configuration file said
// (key by key: a key the file does not set keeps its value).
void apply_vcdlb_sources(const vcdlb_sources& extra, cloud_config& cfg,
                         std::vector<problem>& problems, position_map& positions) {
  if (!extra.file.empty()) {
    auto root = load_root(extra.text, "the vcdlb settings file", extra.file);
    if (!root.ok()) {
      problems.insert(problems.end(), root.problems().begin(), root.problems().end());
    } else if (root->IsDefined() && !root->IsNull()) {
      try {
        const auto first = problems.size();
        yaml_reader r{problems, positions, extra.file};
        auto whole = detail::position_of(root.value());
        whole.file = extra.file;
        positions.try_emplace("vcdlb", std::move(whole));
        read_vcdlb(r, root.value(), "vcdlb", cfg.vcdlb);
        for (auto it = problems.begin() + static_cast<std::ptrdiff_t>(first); it != problems.end();
             ++it)
          if (it->code == config_errc::unknown_key && it->key == "vcdlb.vcdlb")
            it->message = "unknown key: this file holds the keys of the vcdlb: section itself "
                          "(vcd, naming, leaderElection, ...), without a vcdlb: level";
      } catch (const std::exception& e) {
        problems.push_back(whole_file(config_errc::invalid_yaml, 0, 0,
                                      std::string{"cannot read YAML: "} + e.what(), extra.file));
      }
    }
  }
  if (!extra.ca_file.empty()) {
    // The flag asks for verification against this bundle: it wins over both files.
    cfg.vcdlb.tls.ca_file = extra.ca_file;
    cfg.vcdlb.tls.insecure_skip_verify = false;
    positions["vcdlb.vcd.tls.caFile"] = {};
    positions["vcdlb.vcd.tls.insecureSkipVerify"] = {};
  }
}

// Parses, applies `extra` (may be null), applies defaults, validates. `positions` receives
// where each key was found.
checked<cloud_config> parse_impl(std::string_view text, const parse_options& options,
                                 position_map& positions, const vcdlb_sources* extra) {
  auto loaded = load_root(text, "the configuration", {});
  if (!loaded.ok())
    return loaded.problems();
  const YAML::Node root = loaded.value();
  if (!root || root.IsNull())
    return std::vector<problem>{whole_file(
      config_errc::invalid_yaml, 1, 1,
      "the configuration is empty; vcd.host, loadbalancer.network and vAppName are required")};
  if (!root.IsMap()) {
    auto pos = detail::position_of(root);
    return std::vector<problem>{whole_file(config_errc::invalid_yaml, pos.line, pos.column,
                                           "the top level must be a mapping of keys")};
  }

  cloud_config cfg;
  std::vector<problem> problems;
  try {
    yaml_reader r{problems, positions};
    positions[""] = detail::position_of(root);
    r.read_map(
      root, "",
      {
        {"vcd", [&](const YAML::Node& n, const std::string& p) { read_vcd(r, n, p, cfg.vcd); }},
        {"loadbalancer",
         [&](const YAML::Node& n, const std::string& p) {
           read_loadbalancer(r, n, p, cfg.loadbalancer);
         }},
        {"clusterid", string_field(r, cfg.cluster_id)},
        {"vAppName", string_field(r, cfg.vapp_name)},
        {"vcdlb",
         [&](const YAML::Node& n, const std::string& p) { read_vcdlb(r, n, p, cfg.vcdlb); }},
      });
  } catch (const std::exception& e) {
    // yaml-cpp documents no exceptions for reading a loaded tree; this is the boundary anyway.
    problems.push_back(
      whole_file(config_errc::invalid_yaml, 0, 0, std::string{"cannot read YAML: "} + e.what()));
  }

  if (extra != nullptr)
    apply_vcdlb_sources(*extra, cfg, problems, positions);

  // Upstream defaults, in upstream's order: host without trailing '/', CLUSTER_ID from the
  // environment, then the certificate alias built from the (possibly env-provided) cluster id.
  while (!cfg.vcd.host.empty() && cfg.vcd.host.back() == '/')
    cfg.vcd.host.pop_back();
  bool cluster_id_from_env = false;
  if (cfg.cluster_id.empty() && !options.env_cluster_id.empty()) {
    cfg.cluster_id = options.env_cluster_id;
    cluster_id_from_env = true;
    positions["clusterid"] = {}; // no position: the value is not in the file
  }
  if (cfg.loadbalancer.cert_alias.empty())
    cfg.loadbalancer.cert_alias = cfg.cluster_id + "-cert";

  // Keys that failed to read keep their defaults; validating those would add noise.
  std::set<std::string, std::less<>> failed;
  for (const auto& p : problems)
    failed.insert(p.key);
  for (auto& p : detail::validate_with(
         cfg, [&](const std::string& key) { return detail::locate(positions, key); })) {
    const bool under_failed = std::any_of(failed.begin(), failed.end(), [&](const auto& f) {
      return p.key == f || (!f.empty() && p.key.starts_with(f + "."));
    });
    if (under_failed)
      continue;
    if (cluster_id_from_env && p.key == "clusterid")
      p.message += " (value from environment variable CLUSTER_ID)";
    problems.push_back(std::move(p));
  }
  if (!problems.empty()) {
    // In file order; problems without a position (environment) last.
    std::stable_sort(problems.begin(), problems.end(), [](const problem& a, const problem& b) {
      return std::tuple{a.line == 0, a.file, a.line, a.column}
             < std::tuple{b.line == 0, b.file, b.line, b.column};
    });
    return problems;
  }
  return cfg;
}

} // namespace

parse_options parse_options::from_environment() {
  parse_options out;
  if (const char* id = std::getenv("CLUSTER_ID"); id != nullptr)
    out.env_cluster_id = id;
  return out;
}

checked<cloud_config> parse_config(std::string_view yaml_text, const parse_options& options) {
  position_map positions;
  return parse_impl(yaml_text, options, positions, nullptr);
}

namespace {

// The whole of a small text file, or a problem naming it.
checked<std::string> read_text_file(const std::filesystem::path& file) {
  auto file_problem = [&](config_errc code, std::string message) {
    return std::vector<problem>{problem{code, "", 0, 0, std::move(message), file.string()}};
  };
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec)
    return file_problem(config_errc::unreadable_file, "cannot read the file: " + ec.message());
  if (size > max_config_file_size)
    return file_problem(config_errc::invalid_yaml,
                        "the file is " + std::to_string(size) + " bytes; at most "
                          + std::to_string(max_config_file_size) + " are accepted");
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return file_problem(config_errc::unreadable_file, "cannot open the file for reading");
  // Read one byte more than allowed so a file that grew since file_size() is still caught.
  std::string text(max_config_file_size + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad())
    return file_problem(config_errc::unreadable_file, "error while reading the file");
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

} // namespace

checked<cloud_config> load_config_file(const std::filesystem::path& file,
                                       const parse_options& options) {
  auto text = read_text_file(file);
  vcdlb_sources extra;
  extra.ca_file = options.vcd_ca_file;
  std::vector<problem> problems = text.problems();
  if (!options.vcdlb_config_file.empty()) {
    auto more = read_text_file(options.vcdlb_config_file);
    problems.insert(problems.end(), more.problems().begin(), more.problems().end());
    if (more.ok()) {
      extra.file = options.vcdlb_config_file;
      extra.text = std::move(more).value();
    }
  }
  if (!problems.empty())
    return problems;

  position_map positions;
  auto result = parse_impl(text.value(), options, positions, &extra);
  if (!result.ok())
    return result;
  const auto& ca_file = result->vcdlb.tls.ca_file;
  if (!ca_file.empty()) {
    std::ifstream ca{ca_file};
    if (!ca) {
      const bool from_flag = !options.vcd_ca_file.empty();
      const std::string key = from_flag ? "--vcd-ca-file" : "vcdlb.vcd.tls.caFile";
      auto pos = from_flag ? detail::position{} : detail::locate(positions, key);
      std::error_code exists_ec;
      const bool exists = std::filesystem::exists(ca_file, exists_ec);
      return std::vector<problem>{
        problem{config_errc::unreadable_file, key, pos.line, pos.column,
                exists ? "cannot read \"" + ca_file + "\"" : "\"" + ca_file + "\" does not exist",
                from_flag ? options.vcd_ca_file : std::move(pos.file)}};
    }
  }
  return result;
}

std::vector<problem> validate(const cloud_config& cfg) {
  return detail::validate_with(cfg, [](const std::string&) { return detail::position{}; });
}

} // namespace vcdlb::config
