#pragma once

// A vcd::client decorator for the engine-only bench: serializes every call into a client that
// is not thread-safe (vcd::fake_client) and counts calls by kind. The fake answers
// synchronously, so its callbacks run under the lock; they only enqueue actor messages.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "adapters/vcd/client.hpp"

namespace vcdlb::bench::detail {

using vcd::app_port_profile;
using vcd::callback;
using vcd::certificate;
using vcd::edge_gateway;
using vcd::fiql;
using vcd::nat_rule;
using vcd::org_vdc_network;
using vcd::pool;
using vcd::pool_summary;
using vcd::seg_assignment;
using vcd::session_info;
using vcd::task;
using vcd::task_ref;
using vcd::used_ip;
using vcd::virtual_service;
using vcd::virtual_service_summary;

class serialized_client final : public vcd::client {
public:
  explicit serialized_client(std::shared_ptr<vcd::client> inner) : inner_(std::move(inner)) {}

  [[nodiscard]] uint64_t reads() const noexcept { return reads_.load(); }
  [[nodiscard]] uint64_t mutations() const noexcept { return mutations_.load(); }
  [[nodiscard]] uint64_t task_polls() const noexcept { return polls_.load(); }
  [[nodiscard]] uint64_t total() const noexcept { return reads() + mutations() + task_polls(); }

  void login(callback<session_info> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->login(done);
  }

  void get_org_vdc_network(std::string name, callback<org_vdc_network> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->get_org_vdc_network(std::move(name), done);
  }

  void get_edge_gateway(std::string gateway_id, callback<edge_gateway> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->get_edge_gateway(std::move(gateway_id), done);
  }

  void list_used_ip_addresses(std::string gateway_id,
                              callback<std::vector<used_ip>> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->list_used_ip_addresses(std::move(gateway_id), done);
  }

  void list_seg_assignments(std::string gateway_id,
                            callback<std::vector<seg_assignment>> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->list_seg_assignments(std::move(gateway_id), done);
  }

  void list_pool_summaries(std::string gateway_id, fiql filter,
                           callback<std::vector<pool_summary>> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->list_pool_summaries(std::move(gateway_id), std::move(filter), done);
  }

  void get_pool(std::string pool_id, callback<pool> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->get_pool(std::move(pool_id), done);
  }

  void create_pool(pool p, callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->create_pool(std::move(p), done);
  }

  void update_pool(pool p, callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->update_pool(std::move(p), done);
  }

  void delete_pool(std::string pool_id, callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->delete_pool(std::move(pool_id), done);
  }

  void
  list_virtual_service_summaries(std::string gateway_id, fiql filter,
                                 callback<std::vector<virtual_service_summary>> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->list_virtual_service_summaries(std::move(gateway_id), std::move(filter), done);
  }

  void get_virtual_service(std::string vs_id, callback<virtual_service> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->get_virtual_service(std::move(vs_id), done);
  }

  void create_virtual_service(virtual_service vs, callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->create_virtual_service(std::move(vs), done);
  }

  void update_virtual_service(virtual_service vs, callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->update_virtual_service(std::move(vs), done);
  }

  void delete_virtual_service(std::string vs_id, callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->delete_virtual_service(std::move(vs_id), done);
  }

  void list_nat_rules(std::string gateway_id, callback<std::vector<nat_rule>> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->list_nat_rules(std::move(gateway_id), done);
  }

  void get_nat_rule(std::string gateway_id, std::string rule_id, callback<nat_rule> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->get_nat_rule(std::move(gateway_id), std::move(rule_id), done);
  }

  void create_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->create_nat_rule(std::move(gateway_id), std::move(rule), done);
  }

  void update_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->update_nat_rule(std::move(gateway_id), std::move(rule), done);
  }

  void delete_nat_rule(std::string gateway_id, std::string rule_id,
                       callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->delete_nat_rule(std::move(gateway_id), std::move(rule_id), done);
  }

  void list_app_port_profiles(fiql filter, callback<std::vector<app_port_profile>> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->list_app_port_profiles(std::move(filter), done);
  }

  void get_app_port_profile(std::string profile_id, callback<app_port_profile> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->get_app_port_profile(std::move(profile_id), done);
  }

  void create_app_port_profile(app_port_profile profile, callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->create_app_port_profile(std::move(profile), done);
  }

  void update_app_port_profile(app_port_profile profile, callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->update_app_port_profile(std::move(profile), done);
  }

  void delete_app_port_profile(std::string profile_id, callback<task_ref> done) override {
    ++mutations_;
    std::lock_guard guard{mutex_};
    inner_->delete_app_port_profile(std::move(profile_id), done);
  }

  void find_certificates(std::string alias, callback<std::vector<certificate>> done) override {
    ++reads_;
    std::lock_guard guard{mutex_};
    inner_->find_certificates(std::move(alias), done);
  }

  void get_task(task_ref ref, callback<task> done) override {
    ++polls_;
    std::lock_guard guard{mutex_};
    inner_->get_task(std::move(ref), done);
  }

private:
  std::shared_ptr<vcd::client> inner_;
  std::mutex mutex_;
  std::atomic<uint64_t> reads_{0};
  std::atomic<uint64_t> mutations_{0};
  std::atomic<uint64_t> polls_{0};
};

} // namespace vcdlb::bench::detail
