#include "controller/detail/external_pool.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

#include "config/ipv4.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::detail {

namespace {

using interval = std::pair<uint32_t, uint32_t>; // inclusive

std::vector<interval> merged(std::vector<interval> xs) {
  std::sort(xs.begin(), xs.end());
  std::vector<interval> out;
  for (const auto& x : xs) {
    if (!out.empty() && uint64_t{x.first} <= uint64_t{out.back().second} + 1)
      out.back().second = std::max(out.back().second, x.second);
    else
      out.push_back(x);
  }
  return out;
}

} // namespace

external_pool_view summarize_external_pool(const vcd::edge_gateway& gw,
                                           const std::vector<vcd::used_ip>& used,
                                           const std::string& vip_subnet) {
  std::optional<interval> narrow;
  if (!vip_subnet.empty()) {
    auto cidr = config::parse_ipv4_cidr(vip_subnet);
    if (!cidr)
      return {gw.name, 0, 0};
    narrow = interval{cidr->network().value, cidr->broadcast().value};
  }
  std::vector<interval> ranges;
  for (const auto& up : gw.uplinks) {
    for (const auto& sn : up.subnets) {
      if (!sn.enabled)
        continue;
      for (const auto& r : sn.ip_ranges) {
        auto lo = config::parse_ipv4(r.start_address);
        auto hi = r.end_address.empty() ? lo : config::parse_ipv4(r.end_address);
        if (!lo || !hi || hi->value < lo->value)
          continue;
        interval x{lo->value, hi->value};
        if (narrow) {
          x.first = std::max(x.first, narrow->first);
          x.second = std::min(x.second, narrow->second);
          if (x.second < x.first)
            continue;
        }
        ranges.push_back(x);
      }
    }
  }
  ranges = merged(std::move(ranges));
  external_pool_view v;
  v.gateway_name = gw.name;
  for (const auto& r : ranges)
    v.addresses += uint64_t{r.second} - r.first + 1;
  std::set<uint32_t> seen;
  for (const auto& u : used) {
    auto a = config::parse_ipv4(u.ip_address);
    if (!a || seen.count(a->value) > 0)
      continue;
    for (const auto& r : ranges) {
      if (a->value >= r.first && a->value <= r.second) {
        seen.insert(a->value);
        break;
      }
    }
  }
  v.used = seen.size();
  return v;
}

uint64_t free_external_addresses(const external_pool_view& v, uint64_t reserved) {
  auto taken = std::max(v.used, reserved);
  return taken >= v.addresses ? 0 : v.addresses - taken;
}

struct external_pool_probe::state {
  mutable std::mutex mtx;
  bool in_flight = false;
  std::optional<external_pool_view> latest;
  std::function<void()> on_update;
};

external_pool_probe::external_pool_probe(std::shared_ptr<vcd::client> client,
                                         std::function<void()> on_update)
  : client_(std::move(client)), st_(std::make_shared<state>()) {
  st_->on_update = std::move(on_update);
}

void external_pool_probe::refresh(const std::string& gateway_id, const std::string& vip_subnet) {
  {
    std::lock_guard g{st_->mtx};
    if (st_->in_flight)
      return;
    st_->in_flight = true;
  }
  auto st = st_;
  auto client = client_;
  auto failed = [st](const caf::error& err) {
    spdlog::debug("controller: reading the external IP pool failed: {}", describe(err));
    std::lock_guard g{st->mtx};
    st->in_flight = false;
  };
  client->get_edge_gateway(
    gateway_id, [st, client, gateway_id, vip_subnet, failed](caf::expected<vcd::edge_gateway> gw) {
      if (!gw) {
        failed(gw.error());
        return;
      }
      client->list_used_ip_addresses(gateway_id, [st, gw = std::move(*gw), vip_subnet, failed](
                                                   caf::expected<std::vector<vcd::used_ip>> used) {
        if (!used) {
          failed(used.error());
          return;
        }
        auto view = summarize_external_pool(gw, *used, vip_subnet);
        {
          std::lock_guard g{st->mtx};
          st->latest = std::move(view);
          st->in_flight = false;
        }
        if (st->on_update)
          st->on_update();
      });
    });
}

std::optional<external_pool_view> external_pool_probe::latest() const {
  std::lock_guard g{st_->mtx};
  return st_->latest;
}

} // namespace vcdlb::detail
