-- GET the URL given to wrk with the bench's headers (cookie, htmx header, user agent).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
