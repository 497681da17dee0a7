-- POST /v1/training-sessions/{id}/bookings {"person_id"}: a session drawn from BENCH_SESSIONS
-- (future sessions with room), a person from BENCH_PATHS that this thread alone books (thread t
-- takes every (t+1)-th of BENCH_THREADS, each once), so every answer must be 201 (booked or
-- waitlisted); a second booking of the same person would be a 409.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local people, sessions, next_person = {}, nil, 0

setup = common.setup
done = common.done

function init(args)
  common.init_thread()
  people = common.thread_lines(os.getenv("BENCH_PATHS"))
  sessions = common.read_lines(os.getenv("BENCH_SESSIONS"))
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  next_person = next_person + 1
  local p = people[(next_person - 1) % #people + 1]
  return wrk.format("POST", "/v1/training-sessions/" .. sessions[math.random(#sessions)] .. "/bookings",
                    nil, '{"person_id":"' .. p .. '"}')
end

function response(status, headers, body)
  if status ~= 201 then unexpected = unexpected + 1 end
end
