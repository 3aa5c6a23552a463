#pragma once

/// @file adapters/vcd/fake_vm_client.hpp
/// @brief An in-memory `vm_client` for unit tests: vApps with their VMs, changed by the test
/// (power, NICs, deletion), with call counting and fault injection. Callbacks run
/// synchronously, before the call returns. Thread-safe (one mutex).
///
/// Behaviour as VCD's (vm_client.hpp): `query_vapps` matches names exactly or by prefix;
/// `get_vapp` of a vApp that is gone is vcd_errc::not_found (VCD's 403); an injected failure
/// makes the next calls fail with the given error instead.

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/vcd/vm_client.hpp"

namespace vcdlb::vcd {

class fake_vm_client final : public vm_client {
public:
  /// The hrefs this fake makes up ("https://vcd.fake/api/vApp/vapp-<n>").
  static constexpr std::string_view base = "https://vcd.fake";

  void query_vapps(std::string name, bool prefix, callback<std::vector<vapp_record>> done) override;
  void get_vapp(std::string href, callback<vapp> done) override;

  // -- test controls --------------------------------------------------------------------------

  /// Adds an empty vApp in VDC `vdc_name`; returns its href. Ids are derived from a counter;
  /// the VDC's href ends in `vdc_name` (it stands for the VDC's uuid).
  std::string add_vapp(std::string name, std::string vdc_name);
  /// Adds a powered-on VM with one NIC (index 0, primary) on `network` with `ip`; returns its
  /// id (urn:vcloud:vm:...).
  std::string add_vm(const std::string& vapp_href, std::string name, std::string network,
                     std::string ip);
  /// False when the VM is unknown.
  bool set_vm_status(const std::string& vm_id, int32_t status);
  bool set_vm_nics(const std::string& vm_id, std::vector<vm_nic> nics, int32_t primary = 0);
  bool remove_vm(const std::string& vm_id);
  bool remove_vapp(const std::string& vapp_href);
  /// The next `count` calls (of either operation) fail with `err`.
  void fail_next(caf::error err, size_t count = 1);
  /// Calls made so far, per operation ("query_vapps", "get_vapp").
  [[nodiscard]] size_t calls(const std::string& op) const;

private:
  struct stored {
    vapp v;
    std::string vdc_name;
  };
  std::optional<caf::error> take_failure();
  vm* find_vm(const std::string& vm_id);

  mutable std::mutex mtx_;
  std::map<std::string, stored> vapps_; ///< by href
  std::map<std::string, size_t> calls_;
  caf::error failure_;
  size_t failures_left_ = 0;
  size_t next_id_ = 1;
};

} // namespace vcdlb::vcd
