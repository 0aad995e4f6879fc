// The compiled part of Boost.JSON and Boost.URL (Debian ships them without libraries).
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
