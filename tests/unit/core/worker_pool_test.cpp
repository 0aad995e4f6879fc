#include "core/worker_pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

TEST(worker_pool, runs_off_the_calling_thread_and_resumes_on_it) {
    core::worker_pool pool{2};
    boost::asio::io_context io;
    auto caller = std::this_thread::get_id();
    auto fut = boost::asio::co_spawn(
        io,
        [&]() -> core::task<std::string> {
            std::string big(1000, 'x');
            auto where = [] { return std::this_thread::get_id(); };
            auto worker_thread = co_await pool.run(where);
            EXPECT_NE(worker_thread, caller);
            EXPECT_EQ(std::this_thread::get_id(), caller);
            // Named first: see the note on worker_pool::run about lambda temporaries in co_await.
            auto append = [s = std::move(big)] { return s + "!"; };
            co_return co_await pool.run(std::move(append));
        },
        boost::asio::use_future
    );
    io.run();
    EXPECT_EQ(fut.get().size(), 1001U);
}

TEST(worker_pool, carries_exceptions_back) {
    core::worker_pool pool{1};
    boost::asio::io_context io;
    auto fut = boost::asio::co_spawn(
        io,
        [&]() -> core::task<int> {
            co_return co_await pool.run([]() -> int { throw std::runtime_error("boom"); });
        },
        boost::asio::use_future
    );
    io.run();
    EXPECT_THROW(fut.get(), std::runtime_error);
}

}  // namespace
