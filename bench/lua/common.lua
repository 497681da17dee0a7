-- Shared by bench/run's wrk scripts (loaded with dofile once per Lua state: wrk has one for
-- setup and done, one per thread). Environment: BENCH_TOKEN (an admin token), BENCH_LUA_DIR.
-- done() prints one line that bench/run parses: requests, duration, p50/p99, and every error:
-- wrk's socket errors, its count of statuses >= 400 (err_status), and "unexpected", the
-- responses a script with a response() callback found other than the one status it expects
-- (its 2xx, or a 3xx, which err_status does not count).
local M = {}
local threads = {}

function M.setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads - 1)
  thread:set("unexpected", 0)
end

function M.init_thread()
  local token = os.getenv("BENCH_TOKEN")
  assert(token and token ~= "", "BENCH_TOKEN is not set")
  wrk.headers["Authorization"] = "Bearer " .. token
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  for _ = 1, 10 do math.random() end
end

function M.read_lines(path)
  assert(path and path ~= "", "file path env var is not set")
  local f = assert(io.open(path, "r"))
  local t = {}
  for line in f:lines() do
    if line ~= "" then t[#t + 1] = line end
  end
  f:close()
  assert(#t > 0, "no lines in " .. path)
  return t
end

-- This thread's share of the lines of path: thread t takes every (t+1)-th of BENCH_THREADS.
function M.thread_lines(path)
  local all = M.read_lines(path)
  local nthreads = tonumber(os.getenv("BENCH_THREADS"))
  local mine = {}
  for i = 1, #all do
    if (i - 1) % nthreads == tid then table.insert(mine, all[i]) end
  end
  return mine
end

function M.done(summary, latency, requests)
  local e = summary.errors
  local unexpected = 0
  for _, t in ipairs(threads) do unexpected = unexpected + (t:get("unexpected") or 0) end
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d " ..
    "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d unexpected=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, unexpected))
end

return M
