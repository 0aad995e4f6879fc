// A bounded queue from publishers on any thread to one consumer coroutine on its own executor: the
// send buffer of one live socket. Full means the consumer is too slow; the mailbox then overflows
// for good instead of growing. Asio inside, so only src/core/http uses it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "core/task.hpp"

namespace core::realtime {

enum class mailbox_status {
    item,      // `next` returned an item
    woken,     // wake() was called: the consumer has other work
    timeout,   // nothing arrived within the wait
    overflow,  // a push found the queue full; the queued items were discarded (reported once)
    closed,    // close() was called
};

template <class T>
class mailbox : public std::enable_shared_from_this<mailbox<T>> {
public:
    struct received {
        mailbox_status status;
        std::optional<T> item;
    };

    // `ex` runs the consumer: an io_context with one thread or a strand, so wake-ups and waits are
    // ordered. `on_overflow` runs on `ex` when a push overflows the queue, also while the consumer
    // is stuck in a write and not waiting here, which is exactly when a slow consumer must be dealt
    // with.
    mailbox(
        boost::asio::any_io_executor ex,
        std::size_t capacity,
        std::function<void()> on_overflow = {}
    )
        : ex_(std::move(ex)),
          capacity_(capacity),
          on_overflow_(std::move(on_overflow)),
          timer_(ex_) {}
    mailbox(const mailbox&) = delete;
    mailbox& operator=(const mailbox&) = delete;
    mailbox(mailbox&&) = delete;
    mailbox& operator=(mailbox&&) = delete;
    ~mailbox() = default;

    // Any thread. False when the mailbox is closed or overflowed, or when this push overflows it.
    bool push(T item) {
        std::lock_guard lock{mutex_};
        if (closed_ || overflowed_) {
            return false;
        }
        if (queue_.size() >= capacity_) {
            overflowed_ = true;
            queue_.clear();
            wake_locked();
            if (on_overflow_) {
                boost::asio::post(ex_, [weak = this->weak_from_this()] {
                    if (auto self = weak.lock()) {
                        self->on_overflow_();
                    }
                });
            }
            return false;
        }
        queue_.push_back(std::move(item));
        wake_locked();
        return true;
    }

    // Any thread: the consumer's next call returns `woken` unless something more urgent is pending.
    void wake() {
        std::lock_guard lock{mutex_};
        woken_ = true;
        wake_locked();
    }

    // Any thread: the consumer's next call returns `closed`; pushes fail from now on.
    void close() {
        std::lock_guard lock{mutex_};
        closed_ = true;
        queue_.clear();
        wake_locked();
    }

    // Consumer only, on the executor. Waits up to `timeout` (forever when nullopt).
    core::task<received> next(std::optional<std::chrono::steady_clock::duration> timeout) {
        if (timeout) {
            timer_.expires_after(*timeout);
        } else {
            timer_.expires_at(std::chrono::steady_clock::time_point::max());
        }
        for (;;) {
            {
                std::lock_guard lock{mutex_};
                if (auto ready = take_locked()) {
                    waiting_ = false;
                    co_return std::move(*ready);
                }
                waiting_ = true;
            }
            auto [ec] =
                co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            if (!ec) {
                std::lock_guard lock{mutex_};
                if (auto ready = take_locked()) {
                    waiting_ = false;
                    co_return std::move(*ready);
                }
                waiting_ = false;
                co_return received{mailbox_status::timeout, std::nullopt};
            }
        }
    }

    bool overflowed() const {
        std::lock_guard lock{mutex_};
        return overflowed_;
    }

private:
    std::optional<received> take_locked() {
        if (closed_) {
            return received{mailbox_status::closed, std::nullopt};
        }
        if (overflowed_ && !overflow_reported_) {
            overflow_reported_ = true;
            return received{mailbox_status::overflow, std::nullopt};
        }
        if (woken_) {
            woken_ = false;
            return received{mailbox_status::woken, std::nullopt};
        }
        if (!queue_.empty()) {
            received r{mailbox_status::item, std::move(queue_.front())};
            queue_.pop_front();
            return r;
        }
        return std::nullopt;
    }

    // Timers are not thread-safe, so the wake-up is posted to the consumer's executor. One post at
    // a time is enough: the consumer re-checks the queue before it waits again.
    void wake_locked() {
        if (!waiting_ || wake_posted_) {
            return;
        }
        wake_posted_ = true;
        boost::asio::post(ex_, [weak = this->weak_from_this()] {
            if (auto self = weak.lock()) {
                {
                    std::lock_guard lock{self->mutex_};
                    self->wake_posted_ = false;
                }
                self->timer_.cancel();
            }
        });
    }

    boost::asio::any_io_executor ex_;
    std::size_t capacity_;
    std::function<void()> on_overflow_;
    boost::asio::steady_timer timer_;  // touched on ex_ only
    mutable std::mutex mutex_;
    std::deque<T> queue_;
    bool waiting_ = false;
    bool wake_posted_ = false;
    bool woken_ = false;
    bool overflowed_ = false;
    bool overflow_reported_ = false;
    bool closed_ = false;
};

}  // namespace core::realtime
