// The coroutine type of every asynchronous call in the project.
#pragma once

// Modules see this alias and nothing else of Asio: no sockets, no executors, no Beast.
#include <boost/asio/awaitable.hpp>

namespace core {

template <class T = void>
using task = boost::asio::awaitable<T>;

}  // namespace core
