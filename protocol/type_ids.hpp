#pragma once

/// @file protocol/type_ids.hpp
/// @brief The engine's CAF type-ID block and atoms (0.18-style registration that 0.17.6 accepts).
///
/// Type IDs start at caf::first_custom_type_id. Another module that needs its own block must
/// start at `caf::id_block::vcdlb_engine::end` so the IDs never overlap. `register_types()`
/// (protocol/register.hpp) adds the whole block to an actor system config.

#include "caf/type_id.hpp"
#include "protocol/endpoints.hpp"
#include "protocol/lb_objects.hpp"
#include "protocol/messages.hpp"
#include "protocol/node.hpp"
#include "protocol/service.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(vcdlb_engine, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::service_key))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::service_port))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::service_annotations))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::service_spec))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::node_description))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::node_info))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::listener_key))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::app_port_profile_desc))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::dnat_rule_desc))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::pool_desc))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::virtual_service_desc))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::lb_objects))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::lb_op))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::node_members))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::ip_range))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::ip_reservation))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::pool_seed))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::ip_request))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::ip_assignment))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::pool_stats))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::op_result))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::service_event))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::service_status))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::refresh_result))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::lb_plan))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::plan_result))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::endpoint_slice_info))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::ip_space_request))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::ip_space_grant))
CAF_ADD_TYPE_ID(vcdlb_engine, (vcdlb::source_range_request))

CAF_ADD_ATOM(vcdlb_engine, vcdlb, reconcile_atom, "reconcile")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, allocate_atom, "allocate")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, release_atom, "release")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, claim_atom, "claim")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, unclaim_atom, "unclaim")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, rebuild_atom, "rebuild")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, subscribe_atom, "subscribe")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, unsubscribe_atom, "unsubscr")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, remove_atom, "remove")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, list_atom, "list")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, tick_atom, "tick")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, flush_atom, "flush")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, resume_atom, "resume")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, refresh_atom, "refresh")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, resync_atom, "resync")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, sweep_atom, "sweep")
CAF_ADD_ATOM(vcdlb_engine, vcdlb, drain_atom, "drain")
CAF_END_TYPE_ID_BLOCK(vcdlb_engine)
