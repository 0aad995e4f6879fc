// Work a module wants done periodically while the server runs: expiring reservations, purging
// deleted accounts, reloading signing keys. Several instances may run the same job at once, so a
// job claims its rows atomically and tolerates finding nothing to do.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "core/result.hpp"
#include "core/task.hpp"

namespace core {

struct periodic_job {
    std::string name;  // stable: labels the job's metrics and log lines
    std::chrono::milliseconds interval;
    std::function<task<result<void>>()> run;
};

}  // namespace core
