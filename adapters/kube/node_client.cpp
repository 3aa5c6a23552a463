#include "adapters/kube/node_client.hpp"

#include <boost/json.hpp>

namespace vcdlb::kube {

namespace bj = boost::json;

std::string encode_node_update(const node_update& u) {
  bj::object root;
  bj::object metadata;
  if (!u.resource_version.empty())
    metadata["resourceVersion"] = u.resource_version;
  if (!u.labels.empty()) {
    bj::object labels;
    for (const auto& [k, v] : u.labels)
      labels[k] = v;
    metadata["labels"] = std::move(labels);
  }
  if (!metadata.empty())
    root["metadata"] = std::move(metadata);
  bj::object spec;
  if (u.provider_id)
    spec["providerID"] = *u.provider_id;
  if (u.taints) {
    if (u.taints->empty()) {
      spec["taints"] = nullptr;
    } else {
      bj::array taints;
      for (const auto& t : *u.taints) {
        bj::object o{{"key", t.key}, {"effect", t.effect}};
        if (!t.value.empty())
          o["value"] = t.value;
        taints.push_back(std::move(o));
      }
      spec["taints"] = std::move(taints);
    }
  }
  if (!spec.empty())
    root["spec"] = std::move(spec);
  return bj::serialize(root);
}

std::string encode_node_addresses(const std::vector<node_address>& addresses,
                                  const std::string& hostname) {
  bj::array list;
  for (const auto& a : addresses)
    list.push_back(bj::object{{"type", a.type}, {"address", a.address}});
  if (!hostname.empty())
    list.push_back(bj::object{{"type", "Hostname"}, {"address", hostname}});
  // addresses merge by `type`: without the directive, a type no longer reported would stay.
  list.push_back(bj::object{{"$patch", "replace"}});
  return bj::serialize(bj::object{{"status", bj::object{{"addresses", std::move(list)}}}});
}

std::string encode_node_delete_options(const std::string& uid) {
  if (uid.empty())
    return {};
  return bj::serialize(bj::object{
    {"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"preconditions", bj::object{{"uid", uid}}}});
}

} // namespace vcdlb::kube
