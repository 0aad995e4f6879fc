// A bounded pool of threads for blocking work (SQLite calls, hashing), awaited from coroutines.
#pragma once

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/task.hpp"

namespace core {

class worker_pool {
public:
    explicit worker_pool(unsigned threads) : pool_(threads), threads_(threads) {}
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;
    ~worker_pool() { pool_.join(); }

    unsigned threads() const noexcept { return threads_; }
    long queued() const noexcept { return queued_.load(std::memory_order_relaxed); }

    // Runs `fn` on a pool thread and resumes the caller on its own executor with the value (or
    // exception). Name the lambda before awaiting: g++ 12 destroys a lambda temporary whose
    // captures have destructors twice when it is created inside a co_await expression
    // (tests/unit/core/worker_pool_test.cpp).
    //   auto job = [sql = std::move(sql)] { ... };
    //   auto out = co_await pool.run(std::move(job));
    // Already on a pool thread (a transaction body moved there by db::transact), `fn` runs at
    // once: a hop out and back would only add two context switches.
    template <class Fn, class F = std::decay_t<Fn>>
    task<std::invoke_result_t<F&>> run(Fn&& fn) {
        using value = std::invoke_result_t<F&>;
        using slot = std::optional<value>;
        if (running_here()) {
            F here{std::forward<Fn>(fn)};
            co_return here();
        }
        auto out = co_await boost::asio::async_initiate<
            const boost::asio::use_awaitable_t<>, void(std::exception_ptr, slot)>(
            [this](auto handler, F f) {
                queued_.fetch_add(1, std::memory_order_relaxed);
                boost::asio::post(
                    pool_,
                    [this, h = std::move(handler), f = std::move(f)]() mutable {
                        queued_.fetch_sub(1, std::memory_order_relaxed);
                        std::exception_ptr ep;
                        slot out;
                        try {
                            out.emplace(f());
                        } catch (...) {
                            ep = std::current_exception();
                        }
                        auto ex = boost::asio::get_associated_executor(h);
                        boost::asio::dispatch(
                            ex, [h = std::move(h), ep, out = std::move(out)](
                                ) mutable { std::move(h)(ep, std::move(out)); }
                        );
                    }
                );
            },
            boost::asio::use_awaitable, F{std::forward<Fn>(fn)}
        );
        co_return std::move(*out);
    }

    void stop() { pool_.stop(); }

    bool running_here() noexcept { return pool_.get_executor().running_in_this_thread(); }
    boost::asio::thread_pool::executor_type executor() noexcept { return pool_.get_executor(); }

private:
    boost::asio::thread_pool pool_;
    unsigned threads_;
    std::atomic<long> queued_{0};
};

}  // namespace core
