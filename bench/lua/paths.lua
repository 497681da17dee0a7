-- GET a path drawn uniformly from BENCH_PATHS (one path a line, e.g. /v1/schools/<id>).
-- Every answer must be 2xx (a 4xx or 5xx is an error in wrk's own count).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local paths, n

setup = common.setup
done = common.done

function init(args)
  common.init_thread()
  paths = common.read_lines(os.getenv("BENCH_PATHS"))
  n = #paths
end

function request()
  return wrk.format("GET", paths[math.random(n)])
end

function response(status, headers, body)
  if status < 200 or status > 299 then unexpected = unexpected + 1 end
end
