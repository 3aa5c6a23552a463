#include "runtime/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace vcdlb::runtime {

namespace {

std::optional<std::string> read_file(const char* path) {
  std::ifstream in{path};
  if (!in)
    return std::nullopt;
  return std::string{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

// Fields of /proc/self/stat after the command name (which may contain spaces and parentheses,
// hence the last ')'); index 0 is field 3 ("state").
std::optional<std::vector<std::string>> stat_fields() {
  auto text = read_file("/proc/self/stat");
  if (!text)
    return std::nullopt;
  auto close = text->rfind(')');
  if (close == std::string::npos)
    return std::nullopt;
  std::istringstream in{text->substr(close + 1)};
  std::vector<std::string> fields{std::istream_iterator<std::string>{in},
                                  std::istream_iterator<std::string>{}};
  if (fields.size() < 22)
    return std::nullopt;
  return fields;
}

std::optional<double> number(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

std::optional<double> boot_time() {
  auto text = read_file("/proc/stat");
  if (!text)
    return std::nullopt;
  auto pos = text->find("\nbtime ");
  if (pos == std::string::npos)
    return std::nullopt;
  auto value = std::string_view{*text}.substr(pos + 7);
  return number(value.substr(0, value.find('\n')));
}

std::optional<double> open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr)
    return std::nullopt;
  double n = 0;
  while (auto* e = readdir(dir)) {
    if (e->d_name[0] != '.')
      ++n;
  }
  closedir(dir);
  return n - 1; // the descriptor of the directory stream itself
}

struct process_state {
  std::shared_ptr<metrics::counter> cpu;
  std::shared_ptr<metrics::gauge> rss;
  std::shared_ptr<metrics::gauge> vsize;
  std::shared_ptr<metrics::gauge> fds;
  std::shared_ptr<metrics::gauge> max_fds;
  std::shared_ptr<metrics::gauge> start;
  std::mutex mutex; // two scrapes at once must not both add the same CPU delta
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  double page = static_cast<double>(sysconf(_SC_PAGESIZE));

  void collect() {
    std::lock_guard lock{mutex};
    if (auto f = stat_fields()) {
      // Field numbers from proc(5): utime 14, stime 15, starttime 22, vsize 23, rss 24.
      auto utime = number((*f)[11]);
      auto stime = number((*f)[12]);
      if (utime && stime && ticks > 0) {
        double total = (*utime + *stime) / ticks;
        if (total > cpu->value())
          cpu->inc(total - cpu->value());
      }
      if (auto v = number((*f)[20]))
        vsize->set(*v);
      if (auto v = number((*f)[21]); v && page > 0)
        rss->set(*v * page);
      auto starttime = number((*f)[19]);
      auto btime = boot_time();
      if (starttime && btime && ticks > 0)
        start->set(*btime + *starttime / ticks);
    }
    if (auto n = open_fds())
      fds->set(*n);
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
      max_fds->set(lim.rlim_cur == RLIM_INFINITY ? -1.0 : static_cast<double>(lim.rlim_cur));
  }
};

} // namespace

caf::error add_process_metrics(metrics::registry& reg) {
  auto state = std::make_shared<process_state>();
  auto cpu = reg.add_counter("process_cpu_seconds_total", "Total user and system CPU time spent "
                                                          "in seconds.");
  if (!cpu)
    return cpu.error();
  state->cpu = cpu->with();
  struct gauge_def {
    const char* name;
    const char* help;
    std::shared_ptr<metrics::gauge>* slot;
  };
  const gauge_def gauges[] = {
    {"process_resident_memory_bytes", "Resident memory size in bytes.", &state->rss},
    {"process_virtual_memory_bytes", "Virtual memory size in bytes.", &state->vsize},
    {"process_open_fds", "Number of open file descriptors.", &state->fds},
    {"process_max_fds", "Maximum number of open file descriptors.", &state->max_fds},
    {"process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
     &state->start},
  };
  for (const auto& g : gauges) {
    auto fam = reg.add_gauge(g.name, g.help);
    if (!fam)
      return fam.error();
    *g.slot = fam->with();
  }
  reg.add_collect_hook([state] { state->collect(); });
  return {};
}

} // namespace vcdlb::runtime
