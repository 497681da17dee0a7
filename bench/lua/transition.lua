-- Review transition round trips: scheduled -> planning (reschedule) -> scheduled (the guard:
-- focus, self-review, dates, an eligible team with one lead), POST /v1/reviews/{id}/transitions,
-- each answer 200. BENCH_PATHS lists "<review id> <status to move to>" for reviews that
-- bench/run checked make the round trip; thread t takes every (t+1)-th of BENCH_THREADS. A review has at most one transition in
-- flight: X-Request-Id (echoed by the API) carries its id and the status it is moving to, and
-- the answer puts it back in the thread's queue with the next target.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local queue = {}
local token

setup = common.setup
done = common.done

function init(args)
  common.init_thread()
  for _, line in ipairs(common.thread_lines(os.getenv("BENCH_PATHS"))) do
    local id, to = string.match(line, "^(%S+) (%a+)$")
    table.insert(queue, {id = id, to = to})
  end
  token = os.getenv("BENCH_TOKEN")
end

function request()
  local r = table.remove(queue, 1)
  if not r then
    -- Every review of this thread is in flight (more connections than reviews): bench/run
    -- gives each thread more reviews than connections, so this is an error if it happens.
    unexpected = unexpected + 1
    return wrk.format("GET", "/healthz")
  end
  -- wrk.format takes these headers instead of wrk.headers, not beside them.
  return wrk.format("POST", "/v1/reviews/" .. r.id .. "/transitions",
                    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json",
                     ["X-Request-Id"] = r.to .. "." .. r.id}, '{"to":"' .. r.to .. '"}')
end

function response(status, headers, body)
  local rid = headers["X-Request-Id"] or headers["x-request-id"]
  local to, id = string.match(rid or "", "^(%a+)%.([%x%-]+)$")
  if not id then
    unexpected = unexpected + 1
    return
  end
  if status ~= 200 then
    unexpected = unexpected + 1 -- the review's state is unknown now: it leaves the queue
    return
  end
  table.insert(queue, {id = id, to = to == "planning" and "scheduled" or "planning"})
end
