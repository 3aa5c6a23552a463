#include "adapters/kube/timer.hpp"

#include <boost/asio/steady_timer.hpp>

namespace vcdlb::kube {

struct asio_timer_queue::impl : std::enable_shared_from_this<impl> {
  explicit impl(boost::asio::io_context& io) : io(io) {}
  boost::asio::io_context& io;
  std::mutex mtx;
  uint64_t next_id = 0;
  bool closed = false;
  std::map<uint64_t, std::shared_ptr<boost::asio::steady_timer>> timers;
};

asio_timer_queue::asio_timer_queue(boost::asio::io_context& io)
  : impl_(std::make_shared<impl>(io)) {}

asio_timer_queue::~asio_timer_queue() {
  std::lock_guard guard{impl_->mtx};
  impl_->closed = true;
  for (auto& [id, t] : impl_->timers)
    t->cancel();
  impl_->timers.clear();
}

uint64_t asio_timer_queue::schedule(std::chrono::milliseconds delay, std::function<void()> f) {
  std::lock_guard guard{impl_->mtx};
  auto id = ++impl_->next_id;
  if (impl_->closed)
    return id;
  auto t = std::make_shared<boost::asio::steady_timer>(impl_->io, delay);
  impl_->timers.emplace(id, t);
  t->async_wait(
    [weak = std::weak_ptr<impl>{impl_}, id, f = std::move(f)](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec)
        return;
      {
        std::lock_guard guard{self->mtx};
        // Cancelled after the timer fired but before this handler ran: skip.
        if (self->timers.erase(id) == 0)
          return;
      }
      f();
    });
  return id;
}

void asio_timer_queue::cancel(uint64_t id) {
  std::lock_guard guard{impl_->mtx};
  if (auto i = impl_->timers.find(id); i != impl_->timers.end()) {
    i->second->cancel();
    impl_->timers.erase(i);
  }
}

uint64_t manual_timer_queue::schedule(std::chrono::milliseconds delay, std::function<void()> f) {
  auto id = ++next_id_;
  timers_.emplace(now_ + delay, std::make_pair(id, std::move(f)));
  return id;
}

void manual_timer_queue::cancel(uint64_t id) {
  for (auto i = timers_.begin(); i != timers_.end(); ++i) {
    if (i->second.first == id) {
      timers_.erase(i);
      return;
    }
  }
}

size_t manual_timer_queue::advance(std::chrono::milliseconds d) {
  auto until = now_ + d;
  size_t n = 0;
  while (!timers_.empty() && timers_.begin()->first <= until) {
    auto i = timers_.begin();
    now_ = i->first;
    auto f = std::move(i->second.second);
    timers_.erase(i);
    f();
    ++n;
  }
  now_ = until;
  return n;
}

std::chrono::milliseconds manual_timer_queue::next_delay() const {
  if (timers_.empty())
    return std::chrono::milliseconds{0};
  return std::chrono::duration_cast<std::chrono::milliseconds>(timers_.begin()->first - now_);
}

} // namespace vcdlb::kube
