-- Search with facets that the cache has (almost) never seen: a word of the seeded catalog and a
-- random price ceiling per request, so each request runs the full-text query and the facet counts.
local words = {
    "shirt", "linen", "vase", "lamp", "walnut", "dress", "sneakers", "candle", "mug", "wok",
    "tent", "jacket", "headphones", "speaker", "backpack", "cushion", "desk", "boots", "oak", "wool",
}

local thread_count = 0
function setup(thread)
    thread_count = thread_count + 1
    thread:set("seed", thread_count)
end

function init(args)
    math.randomseed(seed * 7919 + os.time())
end

function request()
    local word = words[math.random(#words)]
    local ceiling = math.random(1000, 2000000)
    return wrk.format(nil, "/api/v1/store/search?q=" .. word .. "&price_max=" .. ceiling .. "&limit=20")
end
