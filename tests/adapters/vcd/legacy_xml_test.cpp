// Decoding of the legacy XML documents the node duties read: query result pages, vApps with
// their VMs and NICs, and <Error> bodies; malformed input is an error value.

#include "adapters/vcd/detail/legacy_xml.hpp"

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd;

const std::string records_page = R"(<?xml version="1.0" encoding="UTF-8"?>
<QueryResultRecords xmlns="http://www.vmware.com/vcloud/v1.5" name="vApp" page="2" pageSize="25"
    total="27.0" type="application/vnd.vmware.vcloud.query.records+xml" href="https://v/api/query?type=vApp&amp;page=2">
  <Link rel="previousPage" type="application/vnd.vmware.vcloud.query.records+xml" href="https://v/api/query?type=vApp&amp;page=1"/>
  <VAppRecord name="cluster1" href="https://v/api/vApp/vapp-1" vdc="https://v/api/vdc/9" vdcName="ovdc &amp; 1"
      status="POWERED_ON" numberOfVMs="3" isDeployed="true"/>
  <VAppRecord name="cluster1_x" href="https://v/api/vApp/vapp-2" vdc="https://v/api/vdc/8" vdcName="ovdc2" status="MIXED"/>
</QueryResultRecords>)";

TEST(legacy_xml, decodes_a_query_page_with_its_paging_attributes) {
  auto page = detail::decode_query_records(records_page);
  ASSERT_TRUE(page) << describe(page.error());
  EXPECT_EQ(page->page, 2);
  EXPECT_EQ(page->page_size, 25);
  EXPECT_EQ(page->total, 27) << "VCD may write total as a float";
  auto vapps = detail::vapp_records(*page);
  ASSERT_TRUE(vapps) << describe(vapps.error());
  ASSERT_EQ(vapps->size(), 2u);
  EXPECT_EQ((*vapps)[0].name, "cluster1");
  EXPECT_EQ((*vapps)[0].href, "https://v/api/vApp/vapp-1");
  EXPECT_EQ((*vapps)[0].vdc_name, "ovdc & 1");
  EXPECT_EQ((*vapps)[0].number_of_vms, 3);
  EXPECT_EQ((*vapps)[1].status, "MIXED");
  EXPECT_EQ((*vapps)[1].number_of_vms, 0);
}

TEST(legacy_xml, records_of_another_type_are_refused) {
  auto page = detail::decode_query_records(
    R"(<QueryResultRecords page="1" pageSize="25" total="1"><VMRecord name="n" href="h"/></QueryResultRecords>)");
  ASSERT_TRUE(page);
  EXPECT_FALSE(detail::vapp_records(*page));
}

TEST(legacy_xml, bad_query_pages_are_errors) {
  for (std::string_view bad :
       {"", "not xml", "<QueryResultRecords page=\"x\"/>", "<QueryResultRecords total=\"-1\"/>",
        "<Other/>", "<QueryResultRecords><VAppRecord"}) {
    auto page = detail::decode_query_records(bad);
    EXPECT_FALSE(page) << bad;
    if (!page) {
      EXPECT_EQ(page.error(), vcd_errc::bad_response);
    }
  }
}

const std::string vapp_doc = R"(<?xml version="1.0" encoding="UTF-8"?>
<VApp xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
    href="https://v/api/vApp/vapp-1" id="urn:vcloud:vapp:1" name="cluster1" status="4"
    type="application/vnd.vmware.vcloud.vApp+xml">
  <Link rel="up" type="application/vnd.vmware.vcloud.vdc+xml" href="https://v/api/vdc/9"/>
  <Link rel="down" type="application/vnd.vmware.vcloud.vAppNetwork+xml" href="https://v/api/x"/>
  <Children>
    <Vm href="https://v/api/vApp/vm-a" id="urn:vcloud:vm:a" name="node-1" status="4" deployed="true">
      <NetworkConnectionSection href="https://v/api/vApp/vm-a/networkConnectionSection/">
        <ovf:Info>Specifies the available VM network connections</ovf:Info>
        <PrimaryNetworkConnectionIndex>1</PrimaryNetworkConnectionIndex>
        <NetworkConnection network="storage" needsCustomization="false">
          <NetworkConnectionIndex>0</NetworkConnectionIndex>
          <IpAddress>172.16.0.5</IpAddress>
          <IsConnected>false</IsConnected>
          <MACAddress>00:50:56:01:02:03</MACAddress>
          <IpAddressAllocationMode>POOL</IpAddressAllocationMode>
        </NetworkConnection>
        <NetworkConnection network="net1">
          <NetworkConnectionIndex>1</NetworkConnectionIndex>
          <IpAddress> 10.0.0.5 </IpAddress>
          <ExternalIpAddress>203.0.113.9</ExternalIpAddress>
          <IsConnected>true</IsConnected>
        </NetworkConnection>
      </NetworkConnectionSection>
    </Vm>
    <Vm href="https://v/api/vApp/vm-b" id="urn:vcloud:vm:b" name="node-2" status="8"/>
  </Children>
</VApp>)";

TEST(legacy_xml, decodes_a_vapp_with_its_vms_and_nics) {
  auto v = detail::decode_vapp(vapp_doc);
  ASSERT_TRUE(v) << describe(v.error());
  EXPECT_EQ(v->id, "urn:vcloud:vapp:1");
  EXPECT_EQ(v->name, "cluster1");
  EXPECT_EQ(v->vdc_href, "https://v/api/vdc/9");
  ASSERT_EQ(v->vms.size(), 2u);
  const auto& a = v->vms[0];
  EXPECT_EQ(a.id, "urn:vcloud:vm:a");
  EXPECT_EQ(a.status, vm_status_powered_on);
  EXPECT_TRUE(a.has_network_section);
  EXPECT_EQ(a.primary_nic, 1);
  ASSERT_EQ(a.nics.size(), 2u);
  EXPECT_EQ(a.nics[0].network, "storage");
  EXPECT_FALSE(a.nics[0].connected);
  EXPECT_EQ(a.nics[0].mac, "00:50:56:01:02:03");
  EXPECT_EQ(a.nics[1].index, 1);
  EXPECT_EQ(a.nics[1].ip, "10.0.0.5") << "text is trimmed";
  EXPECT_EQ(a.nics[1].external_ip, "203.0.113.9");
  EXPECT_TRUE(a.nics[1].connected);
  EXPECT_EQ(v->vms[1].status, vm_status_powered_off);
  EXPECT_FALSE(v->vms[1].has_network_section);
  EXPECT_TRUE(v->vms[1].nics.empty());
}

TEST(legacy_xml, bad_vapps_are_errors) {
  for (std::string_view bad :
       {"<VApp name=\"x\"/>", "<Vm id=\"a\" name=\"b\"/>",
        "<VApp id=\"i\" name=\"n\" status=\"on\"/>",
        "<VApp id=\"i\" name=\"n\"><Children><Vm name=\"v\"/></Children></VApp>",
        "<VApp id=\"i\" name=\"n\"><Children><Vm id=\"a\" name=\"v\" href=\"h\">"
        "<NetworkConnectionSection><NetworkConnection network=\"n\"/></NetworkConnectionSection>"
        "</Vm></Children></VApp>",
        "<VApp id=\"i\" name=\"n\"><Children>"}) {
    auto v = detail::decode_vapp(bad);
    EXPECT_FALSE(v) << bad;
    if (!v) {
      EXPECT_EQ(v.error(), vcd_errc::bad_response);
    }
  }
}

TEST(legacy_xml, reads_error_bodies) {
  auto e = detail::decode_xml_error(
    R"(<?xml version="1.0"?><Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="403"
        minorErrorCode="ACCESS_TO_RESOURCE_IS_FORBIDDEN" message="[ r1 ] Either you need &quot;x&quot;"
        stackTrace="..."/>)");
  EXPECT_TRUE(e.ok);
  EXPECT_EQ(e.major_error_code, 403);
  EXPECT_EQ(e.minor_error_code, "ACCESS_TO_RESOURCE_IS_FORBIDDEN");
  EXPECT_EQ(e.message, "[ r1 ] Either you need \"x\"");
  EXPECT_FALSE(detail::decode_xml_error(R"({"minorErrorCode":"X"})").ok);
  EXPECT_FALSE(detail::decode_xml_error("<html><title>bad gateway</title></html>").ok);
  EXPECT_FALSE(detail::decode_xml_error("<Error majorErrorCode=\"x\"/>").ok);
  EXPECT_FALSE(detail::decode_xml_error("").ok);
}

TEST(legacy_xml, status_names) {
  EXPECT_EQ(vm_status_name(4), "POWERED_ON");
  EXPECT_EQ(vm_status_name(8), "POWERED_OFF");
  EXPECT_EQ(vm_status_name(-1), "FAILED_CREATION");
  EXPECT_EQ(vm_status_name(21), "PARTIALLY_SUSPENDED");
  EXPECT_EQ(vm_status_name(99), "UNKNOWN(99)");
}

} // namespace
