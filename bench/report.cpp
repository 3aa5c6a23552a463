#include "bench/report.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <vector>

#include <boost/json.hpp>

#include "protocol/errors.hpp"

namespace vcdlb::bench {

namespace json = boost::json;

namespace {

double per(uint64_t x, uint64_t n) {
  return n > 0 ? static_cast<double>(x) / static_cast<double>(n) : 0;
}

const phase_result* find(const bench_report& r, const std::string& subject,
                         const std::string& phase) {
  for (const auto& p : r.phases)
    if (p.subject == subject && p.phase == phase && p.supported)
      return &p;
  return nullptr;
}

std::string fmt(double x, int precision = 2) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(precision) << x;
  return o.str();
}

std::string ratio(double a, double b) {
  return b > 0 ? fmt(a / b, 3) + "x" : "n/a";
}

json::object options_json(const bench_options& o) {
  return {{"scenario", o.scenario},
          {"services", o.services},
          {"ports", o.ports},
          {"nodes", o.nodes},
          {"share_group", o.share_group},
          {"mode", std::string{config::to_string(o.mode)}},
          {"ip_spaces", o.ip_spaces},
          {"latency_ms", o.latency.count()},
          {"task_ms", o.task.count()},
          {"real_task_ms", o.real_task.count()},
          {"time_scale", o.time_scale()},
          {"gateway_lock", o.gateway_lock},
          {"rate_429", o.rate_429},
          {"rate_500", o.rate_500},
          {"rate_503", o.rate_503},
          {"drop_rate", o.drop_rate},
          {"task_failure_rate", o.task_failure_rate},
          {"vcd_qps", o.vcd_qps},
          {"vcd_burst", o.vcd_burst},
          {"concurrency", o.concurrency},
          {"worker_threads", o.worker_threads},
          {"seed", o.seed},
          {"engine_only", o.engine_only},
          {"baseline", o.baseline_upstream ? "upstream" : ""},
          {"org_lookup_per_helper", o.org_lookup_per_helper}};
}

json::object counts_json(const request_counts& c) {
  return {{"total", c.total()},         {"auth", c.auth},
          {"reads", c.reads},           {"mutations", c.mutations},
          {"task_polls", c.task_polls}, {"retries", c.retries},
          {"rejected", c.rejected},     {"rde_writes", c.rde_writes}};
}

json::object per_json(const request_counts& c, uint64_t n) {
  return {{"total", per(c.total(), n)},         {"auth", per(c.auth, n)},
          {"reads", per(c.reads, n)},           {"mutations", per(c.mutations, n)},
          {"task_polls", per(c.task_polls, n)}, {"retries", per(c.retries, n)}};
}

json::object phase_json(const phase_result& p) {
  json::array lat;
  for (double l : p.latencies_s)
    lat.push_back(l);
  return {{"subject", p.subject},
          {"phase", p.phase},
          {"supported", p.supported},
          {"note", p.note},
          {"services", p.services},
          {"ports", p.ports},
          {"wall_s", p.wall_s},
          {"converged", p.converged},
          {"all_converged", p.all_converged},
          {"services_per_s", p.services_per_s},
          {"latency_s", json::object{{"p50", p.p50_s}, {"p90", p.p90_s}, {"p99", p.p99_s}}},
          {"latencies_s", std::move(lat)},
          {"requests", counts_json(p.requests)},
          {"simulator_counts", counts_json(p.simulator_counts)},
          {"requests_per_service", per_json(p.requests, p.services)},
          {"requests_per_port", per_json(p.requests, p.ports)},
          {"gateway_tasks", p.gateway_tasks},
          {"first_gateway_task_s", p.first_task_s},
          {"gateway_busy_s", p.gateway_busy_s},
          {"gateway_busy_fraction", p.busy_fraction},
          {"cpu_s", p.cpu_s},
          {"simulator_cpu_s", p.simulator_cpu_s},
          {"controller_cpu_s", p.controller_cpu_s},
          {"peak_rss_bytes", p.peak_rss_bytes},
          {"rss_delta_bytes", p.rss_delta_bytes},
          {"bytes_per_service", p.bytes_per_service},
          {"floor", json::object{{"gateway_mutations", p.floor.gateway_mutations},
                                 {"other_mutations", p.floor.other_mutations},
                                 {"time_s", p.floor_s},
                                 {"wall_over_floor", p.floor_ratio}}}};
}

} // namespace

void print_report(const bench_report& r, std::ostream& out) {
  const auto& o = r.options;
  out << "scenario " << o.scenario << ": " << o.services << " Services x " << o.ports
      << " ports, mode " << config::to_string(o.mode) << ", task " << o.task.count()
      << " ms (stands for " << o.real_task.count() << " ms), latency " << o.latency.count()
      << " ms, gateway lock " << (o.gateway_lock ? "on" : "off")
      << (o.ip_spaces ? ", external IPs from an IP Space" : "") << ", seed " << o.seed << "\n"
      << "machine: " << r.machine << "\n\n";
  const char* head[] = {"phase",   "subject",   "Svc",       "wall s",   "Svc/s",
                        "p50 s",   "p90 s",     "p99 s",     "req/Svc",  "read/Svc",
                        "mut/Svc", "poll/Svc",  "retry/Svc", "req/port", "busy%",
                        "CPU s",   "ctl CPU s", "KiB/Svc",   "floor s",  "x floor"};
  const int width[] = {15, 20, 6, 9, 8, 8, 8, 8, 8, 9, 8, 9, 10, 9, 6, 7, 10, 8, 8, 8};
  for (size_t i = 0; i < std::size(head); ++i)
    out << std::setw(width[i]) << (i < 2 ? std::left : std::right) << head[i] << " ";
  out << std::right << "\n";
  std::vector<std::string> notes;
  for (const auto& p : r.phases) {
    out << std::left << std::setw(width[0]) << p.phase << " " << std::setw(width[1])
        << p.subject.substr(0, 20) << " " << std::right;
    if (!p.supported) {
      out << p.note << "\n";
      continue;
    }
    if (!p.note.empty())
      notes.push_back(p.phase + " / " + p.subject + ": " + p.note);
    std::string cells[] = {std::to_string(p.converged) + (p.all_converged ? "" : "!"),
                           fmt(p.wall_s, 3),
                           fmt(p.services_per_s, 1),
                           fmt(p.p50_s, 3),
                           fmt(p.p90_s, 3),
                           fmt(p.p99_s, 3),
                           fmt(per(p.requests.total(), p.services), 1),
                           fmt(per(p.requests.reads + p.requests.auth, p.services), 1),
                           fmt(per(p.requests.mutations, p.services), 1),
                           fmt(per(p.requests.task_polls, p.services), 1),
                           fmt(per(p.requests.retries, p.services), 2),
                           fmt(per(p.requests.total(), p.ports), 1),
                           fmt(100 * p.busy_fraction, 1),
                           fmt(p.cpu_s, 2),
                           fmt(p.controller_cpu_s, 2),
                           fmt(p.bytes_per_service / 1024, 1),
                           fmt(p.floor_s, 3),
                           p.floor_s > 0 ? fmt(p.floor_ratio, 2) : "n/a"};
    for (size_t i = 0; i < std::size(cells); ++i)
      out << std::setw(width[i + 2]) << cells[i] << " ";
    out << "\n";
  }
  out << "(Svc: Services converged, '!' = not all within the deadline; req = every request the "
         "simulator saw; read includes auth; busy% = time the gateway had a task running / "
         "wall; ctl CPU = process CPU minus the simulator's io threads; KiB/Svc = resident "
         "memory growth / Services)\n";
  for (const auto& n : notes)
    out << "note: " << n << "\n";
  for (const auto& p : r.phases)
    if ((p.phase == "resync" || p.phase == "drift-repair") && p.supported)
      out << p.phase << " of " << p.services << " unchanged Services (" << p.subject
          << "): " << fmt(1000 * p.controller_cpu_s, 0) << " ms CPU, " << p.requests.total()
          << " requests\n";
  for (const auto& p : r.phases)
    if (p.phase == "churn-endpoints" && p.supported && p.services > 0) {
      // One endpoint move per Service: the per-Service figures are per move.
      auto moves = static_cast<double>(p.services);
      out << "churn-endpoints (" << p.subject << "): " << p.services << " endpoint moves, per move "
          << fmt(static_cast<double>(p.requests.total()) / moves, 2) << " requests ("
          << fmt(static_cast<double>(p.requests.mutations) / moves, 2) << " mutations), "
          << fmt(1000 * p.gateway_busy_s / moves, 2) << " ms gateway busy\n";
    }
  for (const auto& p : r.phases)
    if (p.phase == "restart" && p.supported && p.first_task_s >= 0)
      out << "restart with " << p.services << " Services' objects on the gateway and work pending ("
          << p.subject << "): first gateway mutation " << fmt(p.first_task_s, 3)
          << " s after the new engine started; wall / floor " << fmt(p.floor_ratio, 2) << "\n";
  for (const auto& p : r.phases)
    if (p.supported && p.requests.rde_writes > 0)
      out << "RDE status.cpi writes (" << p.phase << ", " << p.subject
          << "): " << p.requests.rde_writes << " = "
          << fmt(per(p.requests.rde_writes, p.services), 3) << " per Service\n";
  bool header = false;
  for (const auto& p : r.phases) {
    if (p.subject != "vcdlb" || !p.supported)
      continue;
    const auto* u = find(r, "upstream model", p.phase);
    if (u == nullptr)
      continue;
    if (!header) {
      out << "\nvcdlb / upstream model (same run, same simulator settings):\n";
      header = true;
    }
    out << "  " << std::left << std::setw(16) << p.phase << std::right << " wall "
        << ratio(p.wall_s, u->wall_s) << "  p50 " << ratio(p.p50_s, u->p50_s) << "  p99 "
        << ratio(p.p99_s, u->p99_s) << "  requests "
        << ratio(static_cast<double>(p.requests.total()), static_cast<double>(u->requests.total()))
        << "  mutations "
        << ratio(static_cast<double>(p.requests.mutations),
                 static_cast<double>(u->requests.mutations))
        << "  task polls "
        << ratio(static_cast<double>(p.requests.task_polls),
                 static_cast<double>(u->requests.task_polls))
        << "  controller CPU " << ratio(p.controller_cpu_s, u->controller_cpu_s) << "  busy "
        << fmt(100 * p.busy_fraction, 1) << "% vs " << fmt(100 * u->busy_fraction, 1) << "%\n";
  }
  out << "\nfloor (necessary gateway mutations x task duration, one gateway):\n";
  for (const auto& p : r.phases)
    if (p.supported)
      out << "  " << std::left << std::setw(16) << p.phase << std::setw(21) << p.subject
          << std::right << p.floor.gateway_mutations << " mutations = " << fmt(p.floor_s, 3)
          << " s; wall / floor = " << (p.floor_s > 0 ? fmt(p.floor_ratio, 2) : "n/a") << "\n";
}

std::string to_json(const bench_report& r) {
  json::array phases;
  for (const auto& p : r.phases)
    phases.push_back(phase_json(p));
  json::array ratios;
  for (const auto& p : r.phases) {
    if (p.subject != "vcdlb" || !p.supported)
      continue;
    const auto* u = find(r, "upstream model", p.phase);
    if (u == nullptr)
      continue;
    auto rt = [](double a, double b) -> json::value {
      if (b > 0)
        return a / b;
      return nullptr;
    };
    ratios.push_back(json::object{{"phase", p.phase},
                                  {"wall", rt(p.wall_s, u->wall_s)},
                                  {"p50", rt(p.p50_s, u->p50_s)},
                                  {"p90", rt(p.p90_s, u->p90_s)},
                                  {"p99", rt(p.p99_s, u->p99_s)},
                                  {"requests", rt(static_cast<double>(p.requests.total()),
                                                  static_cast<double>(u->requests.total()))},
                                  {"mutations", rt(static_cast<double>(p.requests.mutations),
                                                   static_cast<double>(u->requests.mutations))},
                                  {"task_polls", rt(static_cast<double>(p.requests.task_polls),
                                                    static_cast<double>(u->requests.task_polls))},
                                  {"controller_cpu", rt(p.controller_cpu_s, u->controller_cpu_s)},
                                  {"busy_fraction", rt(p.busy_fraction, u->busy_fraction)}});
  }
  json::object root{{"options", options_json(r.options)},
                    {"machine", r.machine},
                    {"phases", std::move(phases)},
                    {"vcdlb_over_upstream", std::move(ratios)}};
  return json::serialize(root) + "\n";
}

std::string to_csv(const bench_report& r) {
  std::ostringstream o;
  o << "scenario,mode,subject,phase,supported,services,ports,wall_s,converged,services_per_s,"
       "p50_s,p90_s,p99_s,requests,auth,reads,mutations,task_polls,retries,rejected,"
       "requests_per_service,requests_per_port,gateway_tasks,gateway_busy_s,busy_fraction,cpu_s,"
       "simulator_cpu_s,controller_cpu_s,peak_rss_bytes,rss_delta_bytes,bytes_per_service,"
       "floor_gateway_mutations,floor_s,wall_over_floor\n";
  for (const auto& p : r.phases) {
    o << r.options.scenario << "," << config::to_string(r.options.mode) << ",\"" << p.subject
      << "\"," << p.phase << "," << (p.supported ? 1 : 0) << "," << p.services << "," << p.ports
      << "," << p.wall_s << "," << p.converged << "," << p.services_per_s << "," << p.p50_s << ","
      << p.p90_s << "," << p.p99_s << "," << p.requests.total() << "," << p.requests.auth << ","
      << p.requests.reads << "," << p.requests.mutations << "," << p.requests.task_polls << ","
      << p.requests.retries << "," << p.requests.rejected << ","
      << per(p.requests.total(), p.services) << "," << per(p.requests.total(), p.ports) << ","
      << p.gateway_tasks << "," << p.gateway_busy_s << "," << p.busy_fraction << "," << p.cpu_s
      << "," << p.simulator_cpu_s << "," << p.controller_cpu_s << "," << p.peak_rss_bytes << ","
      << p.rss_delta_bytes << "," << p.bytes_per_service << "," << p.floor.gateway_mutations << ","
      << p.floor_s << "," << p.floor_ratio << "\n";
  }
  return o.str();
}

caf::error write_file(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
  out.close();
  if (!out)
    return caf::make_error(config_errc::unreadable_file, "cannot write " + path);
  return {};
}

caf::error write_plot(const bench_report& r, const std::string& png, std::string& skipped) {
  skipped.clear();
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) {
    skipped = "gnuplot not found: no plot drawn (install gnuplot-nox)";
    return {};
  }
  // One block per measured phase and subject: sorted latencies with their rank and share.
  // A phase keeps its colour across subjects; vcdlb is drawn solid, others dashed.
  std::ostringstream data;
  std::vector<std::string> phases;
  std::ostringstream curves;
  std::ostringstream cdfs;
  int blocks = 0;
  for (const auto& p : r.phases) {
    if (!p.supported || p.latencies_s.empty())
      continue;
    auto lat = p.latencies_s;
    std::sort(lat.begin(), lat.end());
    data << "0 0 0\n";
    for (size_t i = 0; i < lat.size(); ++i)
      data << lat[i] << " " << (i + 1) << " "
           << static_cast<double>(i + 1) / static_cast<double>(lat.size()) << "\n";
    data << "\n\n";
    auto it = std::find(phases.begin(), phases.end(), p.phase);
    if (it == phases.end())
      it = phases.insert(phases.end(), p.phase);
    auto colour = 1 + (it - phases.begin());
    int dash = p.subject.rfind("vcdlb", 0) == 0 ? 1 : 2;
    auto style = " with steps lw 2 lc " + std::to_string(colour) + " dt " + std::to_string(dash)
                 + " title '" + p.subject + " " + p.phase + "'";
    auto sep = blocks == 0 ? "" : ", ";
    curves << sep << "'" << png << ".dat' index " << blocks << " using 1:2" << style;
    cdfs << sep << "'" << png << ".dat' index " << blocks << " using 1:3" << style;
    ++blocks;
  }
  if (blocks == 0) {
    skipped = "no converged Services: nothing to plot";
    return {};
  }
  auto dat = png + ".dat";
  auto gp = png + ".gp";
  if (auto err = write_file(dat, data.str()))
    return err;
  const auto& o = r.options;
  std::ostringstream script;
  script << "set terminal pngcairo size 1400,560 noenhanced\n"
         << "set output '" << png << "'\n"
         << "set multiplot layout 1,2 title 'vcdlb bench: " << o.scenario << ", " << o.services
         << " Services x " << o.ports << " ports, mode " << config::to_string(o.mode) << ", task "
         << o.task.count() << " ms (solid: vcdlb, dashed: baseline)'\n"
         << "set key bottom right\nset grid\n"
         << "set title 'Convergence'\nset xlabel 'seconds since the phase started'\n"
         << "set ylabel 'Services converged'\n"
         << "plot " << curves.str() << "\n"
         << "set title 'Per-Service convergence latency (CDF)'\nset xlabel 'seconds'\n"
         << "set ylabel 'share of Services'\nset yrange [0:1]\n"
         << "plot " << cdfs.str() << "\n"
         << "unset multiplot\n";
  if (auto err = write_file(gp, script.str()))
    return err;
  auto cmd = "gnuplot '" + gp + "' 2>&1";
  if (std::system(cmd.c_str()) != 0)
    return caf::make_error(config_errc::invalid_value, "gnuplot failed on " + gp);
  return {};
}

} // namespace vcdlb::bench
