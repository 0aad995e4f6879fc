// Precompiled for src/core/http and src/infra only: Asio and Beast stay out of module code.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "pch/base.hpp"
