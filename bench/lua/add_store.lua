-- POST /stores/new with a new store name on every request (names are unique per install).
-- Arguments after "--": the run tag, then the form fields that stay the same (url-encoded).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local COUNTRIES = { "US", "CA", "MX", "UK" }
local threads_started = 0

function setup(thread)
   threads_started = threads_started + 1
   thread:set("thread_no", threads_started)
end

local sent = 0
local tag, fields

function init(args)
   tag = args[1] or "run"
   fields = args[2] or ""
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
   sent = sent + 1
   local name = string.format("Bench+%s+%d+%d", tag, thread_no or 0, sent)
   local body = string.format("name=%s&country=%s&%s", name, COUNTRIES[sent % 4 + 1], fields)
   return wrk.format("POST", nil, nil, body)
end
