#include "adapters/vcd/ip_spaces.hpp"

#include <utility>

#include "adapters/vcd/detail/json.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::vcd {

caf::expected<std::vector<allocated_ip>> parse_allocation_result(const task& t) {
  if (t.result_content.empty())
    return caf::make_error(vcd_errc::bad_response,
                           "the allocate task " + t.id + " finished without a result");
  auto values = detail::decode_allocated_ips(t.result_content);
  if (!values)
    return std::move(values.error());
  for (const auto& v : *values)
    if (v.id.empty() || v.value.empty())
      return caf::make_error(vcd_errc::bad_response, "the allocate task " + t.id
                                                       + " reported an allocation without id or "
                                                         "value");
  return values;
}

void list_marked_allocations(std::shared_ptr<client> c, std::string gateway_id,
                             std::string marker_prefix, callback<std::vector<ip_allocation>> done) {
  struct state {
    std::shared_ptr<client> c;
    std::string prefix;
    callback<std::vector<ip_allocation>> done;
    std::vector<std::string> spaces;
    size_t next = 0;
    std::vector<ip_allocation> found;
  };
  auto st = std::make_shared<state>();
  st->c = c;
  st->prefix = std::move(marker_prefix);
  st->done = std::move(done);
  // One space after the other: a handful of spaces, and no burst of parallel reads.
  auto step = std::make_shared<std::function<void()>>();
  *step = [st, weak = std::weak_ptr{step}]() {
    if (st->next == st->spaces.size())
      return st->done(std::move(st->found));
    auto filter = fiql::eq("type", "FLOATING_IP").with("usageState", "USED_MANUAL");
    st->c->list_ip_allocations(
      st->spaces[st->next++], std::move(filter),
      [st, next = weak.lock()](caf::expected<std::vector<ip_allocation>> r) {
        if (!r)
          return st->done(std::move(r.error()));
        for (auto& a : *r)
          if (a.description.starts_with(st->prefix))
            st->found.push_back(std::move(a));
        (*next)();
      });
  };
  c->list_floating_ip_suggestions(std::move(gateway_id),
                                  [st, step](caf::expected<std::vector<floating_ip_suggestion>> r) {
                                    if (!r)
                                      return st->done(std::move(r.error()));
                                    for (const auto& s : *r)
                                      st->spaces.push_back(s.ip_space_ref.id);
                                    (*step)();
                                  });
}

std::string ip_space_quota_message(const std::string& space_name, int64_t quota) {
  return "Cannot allocate a floating IP from IP Space '" + space_name
         + "': the organization's floating IP quota of " + std::to_string(quota) + " is exhausted.";
}

std::string ip_space_exhausted_message(const std::string& space_name) {
  return "Cannot allocate a floating IP from IP Space '" + space_name
         + "': no free IP addresses are left in its ranges.";
}

} // namespace vcdlb::vcd
