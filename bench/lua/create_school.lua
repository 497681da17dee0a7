-- POST /v1/schools with a URN unique to this run: thread t uses BENCH_URN_BASE + t * 100,000 +
-- a counter (7-digit URNs; bench/run gives each run its own base). Must answer 201.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local PHASES = { "primary", "secondary", "all_through", "special",
                 "alternative_provision", "nursery", "post_16" }
local urn

setup = common.setup
done = common.done

function init(args)
  common.init_thread()
  urn = tonumber(os.getenv("BENCH_URN_BASE")) + (tid or 0) * 100000
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  urn = urn + 1
  return wrk.format("POST", "/v1/schools", nil, string.format(
    '{"urn":"%07d","name":"Bench School %d","phase_of_education":"%s",' ..
    '"local_authority":"Bench Local Authority","postcode":"BE1 %dCH"}',
    urn, urn, PHASES[(urn % 7) + 1], urn % 10))
end

function response(status, headers, body)
  if status ~= 201 then unexpected = unexpected + 1 end
end
