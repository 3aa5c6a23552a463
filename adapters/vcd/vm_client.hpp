#pragma once

/// @file adapters/vcd/vm_client.hpp
/// @brief The legacy XML API (`/api`) operations the node duties need: finding the cluster's
/// vApps with the query service and reading a vApp with its VMs (power status, NICs).
/// Implementations: `beast_client` (HTTPS, adapters/vcd/beast_client.hpp) and `fake_vm_client`
/// (in memory, adapters/vcd/fake_vm_client.hpp).
///
/// Why a vApp and not one VM at a time: VCD returns a vApp with its VMs inline, each with its
/// `NetworkConnectionSection` and status, so the whole inventory of a cluster vApp costs one
/// query page plus one GET, whatever the number of Nodes (nodes-and-legacy-api.md §3.4, §3.5).
///
/// The contract of `client` (adapters/vcd/client.hpp) holds here too: `done` is called exactly
/// once; errors are `vcd_errc` errors readable with `parse_error_info` (VCD's XML `<Error>`
/// bodies included); a vApp that does not exist (VCD answers 403) is `vcd_errc::not_found`;
/// authentication is shared with the CloudAPI operations; queries return all pages.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/vcd/client.hpp"

namespace vcdlb::vcd {

/// One `VAppRecord` of `GET /api/query?type=vApp`.
struct vapp_record {
  std::string name;
  std::string href;     ///< the vApp entity, absolute (`https://…/api/vApp/vapp-<uuid>`)
  std::string vdc_href; ///< the VDC entity
  std::string vdc_name;
  std::string status; ///< a string in query results, e.g. POWERED_ON
  int32_t number_of_vms = 0;
};

/// One `NetworkConnection` of a VM's `NetworkConnectionSection`.
struct vm_nic {
  int32_t index = 0;       ///< NetworkConnectionIndex
  std::string network;     ///< the network's name (`network` attribute)
  std::string ip;          ///< IpAddress; "" when the NIC has none
  std::string external_ip; ///< ExternalIpAddress (NAT); "" when none
  std::string mac;
  bool connected = false;
};

/// VCD's numeric entity status codes used by the node duties (nodes-and-legacy-api.md §3.6).
inline constexpr int32_t vm_status_suspended = 3;
inline constexpr int32_t vm_status_powered_on = 4;
inline constexpr int32_t vm_status_powered_off = 8;

/// The name of a numeric VM/vApp status ("POWERED_ON"); "UNKNOWN(<n>)" for other codes.
[[nodiscard]] std::string vm_status_name(int32_t status);

/// A VM as a child of its vApp.
struct vm {
  std::string id;   ///< urn:vcloud:vm:<uuid>
  std::string name; ///< the VM name (Node names are the lower-cased host name)
  std::string href;
  int32_t status = 0; ///< numeric, see vm_status_*
  bool has_network_section = false;
  int32_t primary_nic = 0;  ///< PrimaryNetworkConnectionIndex (0 when absent)
  std::vector<vm_nic> nics; ///< document order
};

/// A vApp entity with its VMs.
struct vapp {
  std::string id; ///< urn:vcloud:vapp:<uuid>
  std::string name;
  std::string href;
  std::string vdc_href; ///< the `Link rel="up"` to its VDC; "" when absent
  int32_t status = 0;
  std::vector<vm> vms;
};

class vm_client {
public:
  virtual ~vm_client() = default;

  /// All `VAppRecord`s (every page) named `name`, or whose name starts with `name` when
  /// `prefix` is set (the query service's `*` wildcard). Only vApps the user may see.
  virtual void query_vapps(std::string name, bool prefix,
                           callback<std::vector<vapp_record>> done) = 0;

  /// The vApp at `href` (a record's `href`), with its VMs. not_found when it is gone.
  virtual void get_vapp(std::string href, callback<vapp> done) = 0;
};

} // namespace vcdlb::vcd
