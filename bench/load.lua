-- wrk script for bench/load.sh: a mix of reads and writes as the admin key, every response
-- checked against the one status its request must get. Each request carries its kind (and the
-- object it works on) in X-Request-Id, which the API echoes, so response() knows what it
-- answers. An object (a school this thread created, a review it opened) has at most one
-- request in flight, so every expected status is certain, If-Match included.
-- Environment: SPP_ADMIN_TOKEN, LOAD_IDS (seeded school ids, one a line), LOAD_PARTNERSHIPS
-- (partnership ids), LOAD_URN_BASE (first URN of this run), LOAD_URN_SPAN (URNs per thread,
-- default 100,000).

local token = os.getenv("SPP_ADMIN_TOKEN")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local function lines(path)
  local t = {}
  for l in io.lines(path) do
    if l ~= "" then table.insert(t, l) end
  end
  return t
end

local schools, partnerships
local urn, n = 0, 0
local own = {}      -- { {id, etag} } schools this thread created, none in flight
local reviews = {}  -- { {id, step} } reviews this thread opened, none in flight
counts = {}         -- "kind status" -> count, read by done()

function init(args)
  schools = lines(os.getenv("LOAD_IDS"))
  partnerships = lines(os.getenv("LOAD_PARTNERSHIPS"))
  urn = tonumber(os.getenv("LOAD_URN_BASE")) + (tid - 1) * tonumber(os.getenv("LOAD_URN_SPAN") or "100000")
  math.randomseed(os.time() * 97 + tid)
end

local function pick(t) return t[math.random(#t)] end

local function req(kind, method, path, body, extra)
  n = n + 1
  local h = {["Authorization"] = "Bearer " .. token, ["X-Request-Id"] = kind .. "." .. n}
  if body then
    h["Content-Type"] = method == "PATCH" and "application/merge-patch+json" or "application/json"
  end
  for k, v in pairs(extra or {}) do h[k] = v end
  return wrk.format(method, path, h, body)
end

-- Review steps, in order, each with the status it must get.
local steps = {
  {"rpatch", 200}, {"events", 200}, {"guard", 422}, {"cancel", 200}, {"reopen", 409}
}
local expected = {
  get = 200, list = 200, people = 200, rlist = 200, missing = 404, create = 201,
  patch = 200, stale = 412, invalid = 422, review = 201,
  rpatch = 200, events = 200, guard = 422, cancel = 200, reopen = 409
}

local function review_step()
  local r = table.remove(reviews, 1)
  local kind = steps[r.step][1]
  local id = r.id
  local tag = string.format("%s.%s.%d", kind, id, r.step) -- kind.id.step (the id is a uuid)
  local auth = {["Authorization"] = "Bearer " .. token, ["X-Request-Id"] = tag}
  local path = "/v1/reviews/" .. id
  if kind == "rpatch" then
    auth["Content-Type"] = "application/merge-patch+json"
    auth["If-Match"] = '"1"'
    return wrk.format("PATCH", path, auth, '{"focus":"Reading for pleasure under load"}')
  elseif kind == "events" then
    return wrk.format("GET", path .. "/events", auth)
  end
  auth["Content-Type"] = "application/json"
  local body = ({guard = '{"to":"scheduled"}', cancel = '{"to":"cancelled","reason":"load test"}',
                 reopen = '{"to":"planning"}'})[kind]
  return wrk.format("POST", path .. "/transitions", auth, body)
end

request = function()
  local x = math.random(100)
  if x <= 22 then
    return req("get", "GET", "/v1/schools/" .. pick(schools))
  elseif x <= 32 then
    return req("list", "GET", "/v1/schools?limit=50&partnership_id=" .. pick(partnerships))
  elseif x <= 36 then
    return req("people", "GET", "/v1/people?limit=20")
  elseif x <= 40 then
    return req("rlist", "GET", "/v1/reviews?limit=20&school_id=" .. pick(schools))
  elseif x <= 44 then
    return req("missing", "GET", string.format("/v1/schools/%08x-0000-4000-8000-%012x",
                                               math.random(0, 0x7fffffff), n))
  elseif x <= 58 then
    urn = urn + 1
    return req("create", "POST", "/v1/schools", string.format(
      '{"urn":"%07d","name":"Load School %d","phase_of_education":"primary","local_authority":"Leeds","partnership_id":"%s"}',
      urn, urn, pick(partnerships)))
  elseif x <= 74 and #own > 0 then
    local s = table.remove(own, 1)
    n = n + 1
    return wrk.format("PATCH", "/v1/schools/" .. s.id, {
      ["Authorization"] = "Bearer " .. token, ["X-Request-Id"] = "patch." .. s.id,
      ["Content-Type"] = "application/merge-patch+json", ["If-Match"] = s.etag},
      string.format('{"postcode":"LS%d %dAB"}', n % 30, n % 10))
  elseif x <= 76 then
    return req("stale", "PATCH", "/v1/schools/" .. pick(schools), '{"postcode":"LS1 1AA"}',
               {["If-Match"] = '"999999"'})
  elseif x <= 78 then
    return req("invalid", "POST", "/v1/schools", '{"urn":"12","name":"","phase_of_education":"nursery"}')
  elseif x <= 83 or #reviews == 0 then
    return req("review", "POST", "/v1/reviews", string.format(
      '{"school_id":"%s","focus_area":"our_impact","focus":"How well do our pupils read?"}',
      pick(schools)))
  else
    return review_step()
  end
end

response = function(status, headers, body)
  local rid, loc, etag
  for k, v in pairs(headers) do
    local l = string.lower(k)
    if l == "x-request-id" then rid = v
    elseif l == "location" then loc = v
    elseif l == "etag" then etag = v end
  end
  local kind, rest = string.match(rid or "", "^(%a+)%.(.*)$")
  kind = kind or "unknown"
  local want = expected[kind]
  local key = kind .. " " .. status
  counts[key] = (counts[key] or 0) + 1
  if status ~= want then return end
  if kind == "create" and loc and etag and #own < 500 then
    table.insert(own, {id = string.match(loc, "([%x%-]+)$"), etag = etag})
  elseif kind == "patch" and etag then
    table.insert(own, {id = rest, etag = etag})
  elseif kind == "review" and loc then
    table.insert(reviews, {id = string.match(loc, "([%x%-]+)$"), step = 1})
  else
    local id, step = string.match(rest or "", "^([%x%-]+)%.(%d+)$")
    step = tonumber(step)
    if id and step and steps[step] and steps[step][1] == kind and step < #steps then
      table.insert(reviews, {id = id, step = step + 1})
    end
  end
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do total[k] = (total[k] or 0) + v end
  end
  local e = summary.errors
  io.write(string.format("LOAD socket_errors connect=%d read=%d write=%d timeout=%d\n",
                         e.connect, e.read, e.write, e.timeout))
  io.write(string.format("LOAD requests=%d duration_us=%d\n", summary.requests, summary.duration))
  io.write(string.format("LOAD latency_ms p50=%.1f p99=%.1f max=%.1f\n", latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000, latency.max / 1000))
  for k, v in pairs(total) do
    local kind, status = string.match(k, "^(%S+) (%d+)$")
    local want = expected[kind]
    io.write(string.format("LOAD status %s %s %d %s\n", kind, status, v,
                           tonumber(status) == want and "expected" or "UNEXPECTED"))
  end
end
