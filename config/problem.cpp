#include "config/problem.hpp"

#include "caf/make_message.hpp"

namespace vcdlb::config {

namespace {

std::string position(const problem& p) {
  if (p.line <= 0)
    return {};
  auto out = std::to_string(p.line);
  if (p.column > 0)
    out += ":" + std::to_string(p.column);
  return out;
}

} // namespace

std::string format_problem(const problem& p, std::string_view config_file) {
  std::string out{p.file.empty() ? config_file : std::string_view{p.file}};
  if (auto pos = position(p); !pos.empty())
    out += ":" + pos;
  out += ": ";
  if (!p.key.empty())
    out += p.key + ": ";
  out += p.message;
  return out;
}

caf::error to_error(const std::vector<problem>& problems) {
  if (problems.empty())
    return {};
  std::string detail;
  for (const auto& p : problems) {
    if (!detail.empty())
      detail += "; ";
    if (!p.file.empty())
      detail += p.file + ": ";
    detail += p.key.empty() ? std::string{"configuration"} : p.key;
    if (p.line > 0)
      detail += " (line " + std::to_string(p.line) + ", column " + std::to_string(p.column) + ")";
    detail += ": " + p.message;
  }
  return caf::make_error(problems.front().code, std::move(detail));
}

} // namespace vcdlb::config
