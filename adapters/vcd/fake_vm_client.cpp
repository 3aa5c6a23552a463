#include "adapters/vcd/fake_vm_client.hpp"

#include <algorithm>

#include "protocol/errors.hpp"

namespace vcdlb::vcd {

namespace {

std::string fake_uuid(size_t n) {
  auto digits = std::to_string(n);
  return "00000000-0000-4000-8000-" + std::string(12 - std::min<size_t>(digits.size(), 12), '0')
         + digits;
}

} // namespace

std::optional<caf::error> fake_vm_client::take_failure() {
  if (failures_left_ == 0)
    return std::nullopt;
  --failures_left_;
  return failure_;
}

void fake_vm_client::query_vapps(std::string name, bool prefix,
                                 callback<std::vector<vapp_record>> done) {
  std::vector<vapp_record> out;
  {
    std::lock_guard guard{mtx_};
    ++calls_["query_vapps"];
    if (auto err = take_failure())
      return done(std::move(*err));
    for (const auto& [href, s] : vapps_) {
      bool match = prefix ? s.v.name.rfind(name, 0) == 0 : s.v.name == name;
      if (!match)
        continue;
      vapp_record r;
      r.name = s.v.name;
      r.href = href;
      r.vdc_href = s.v.vdc_href;
      r.vdc_name = s.vdc_name;
      r.status = vm_status_name(s.v.status);
      r.number_of_vms = static_cast<int32_t>(s.v.vms.size());
      out.push_back(std::move(r));
    }
  }
  done(std::move(out));
}

void fake_vm_client::get_vapp(std::string href, callback<vapp> done) {
  caf::expected<vapp> out{caf::error{}};
  {
    std::lock_guard guard{mtx_};
    ++calls_["get_vapp"];
    if (auto err = take_failure()) {
      out = std::move(*err);
    } else if (auto it = vapps_.find(href); it == vapps_.end()) {
      out = caf::make_error(vcd_errc::not_found,
                            "HTTP 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN: no vApp " + href);
    } else {
      out = it->second.v;
    }
  }
  done(std::move(out));
}

std::string fake_vm_client::add_vapp(std::string name, std::string vdc_name) {
  std::lock_guard guard{mtx_};
  auto uuid = fake_uuid(next_id_++);
  stored s;
  s.v.id = "urn:vcloud:vapp:" + uuid;
  s.v.name = std::move(name);
  s.v.href = std::string{base} + "/api/vApp/vapp-" + uuid;
  // The VDC's "uuid" is its name here, so tests can name multi-zone vApps <vApp>_<vdc>.
  s.v.vdc_href = std::string{base} + "/api/vdc/" + vdc_name;
  s.v.status = vm_status_powered_on;
  s.vdc_name = std::move(vdc_name);
  auto href = s.v.href;
  vapps_.emplace(href, std::move(s));
  return href;
}

std::string fake_vm_client::add_vm(const std::string& vapp_href, std::string name,
                                   std::string network, std::string ip) {
  std::lock_guard guard{mtx_};
  auto it = vapps_.find(vapp_href);
  if (it == vapps_.end())
    return {};
  auto uuid = fake_uuid(next_id_++);
  vm v;
  v.id = "urn:vcloud:vm:" + uuid;
  v.name = std::move(name);
  v.href = std::string{base} + "/api/vApp/vm-" + uuid;
  v.status = vm_status_powered_on;
  v.has_network_section = true;
  vm_nic nic;
  nic.network = std::move(network);
  nic.ip = std::move(ip);
  nic.connected = true;
  nic.mac = "00:50:56:00:00:" + std::to_string(10 + next_id_ % 90);
  v.nics.push_back(std::move(nic));
  auto id = v.id;
  it->second.v.vms.push_back(std::move(v));
  return id;
}

vm* fake_vm_client::find_vm(const std::string& vm_id) {
  for (auto& [href, s] : vapps_)
    for (auto& v : s.v.vms)
      if (v.id == vm_id)
        return &v;
  return nullptr;
}

bool fake_vm_client::set_vm_status(const std::string& vm_id, int32_t status) {
  std::lock_guard guard{mtx_};
  auto* v = find_vm(vm_id);
  if (v == nullptr)
    return false;
  v->status = status;
  return true;
}

bool fake_vm_client::set_vm_nics(const std::string& vm_id, std::vector<vm_nic> nics,
                                 int32_t primary) {
  std::lock_guard guard{mtx_};
  auto* v = find_vm(vm_id);
  if (v == nullptr)
    return false;
  v->nics = std::move(nics);
  v->primary_nic = primary;
  v->has_network_section = true;
  return true;
}

bool fake_vm_client::remove_vm(const std::string& vm_id) {
  std::lock_guard guard{mtx_};
  for (auto& [href, s] : vapps_) {
    auto& vms = s.v.vms;
    auto it = std::find_if(vms.begin(), vms.end(), [&](const vm& v) { return v.id == vm_id; });
    if (it != vms.end()) {
      vms.erase(it);
      return true;
    }
  }
  return false;
}

bool fake_vm_client::remove_vapp(const std::string& vapp_href) {
  std::lock_guard guard{mtx_};
  return vapps_.erase(vapp_href) > 0;
}

void fake_vm_client::fail_next(caf::error err, size_t count) {
  std::lock_guard guard{mtx_};
  failure_ = std::move(err);
  failures_left_ = count;
}

size_t fake_vm_client::calls(const std::string& op) const {
  std::lock_guard guard{mtx_};
  auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

} // namespace vcdlb::vcd
