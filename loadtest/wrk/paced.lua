-- wrk script: cycles through the requests in a file (METHOD<TAB>PATH<TAB>BODY per line),
-- optionally paced to a fixed rate per wrk thread, and prints one JSON line of figures.
-- usage: wrk -s paced.lua URL -- REQUESTS_FILE RATE_PER_THREAD (0 = as fast as possible)
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } timeval_t;
  int gettimeofday(timeval_t *tv, void *tz);
]]
local tv = ffi.new("timeval_t")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

local requests, index, interval, next_at = {}, 0, 0, nil

function init(args)
  local headers = { ["Content-Type"] = "application/json", ["X-Forwarded-Proto"] = "https" }
  for line in io.lines(args[1]) do
    local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if body == "" then body = nil end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  local rate = tonumber(args[2]) or 0
  if rate > 0 then interval = 1000 / rate end
  index = math.random(#requests) - 1
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function delay()
  if interval == 0 then return 0 end
  local now = now_ms()
  next_at = (next_at or now) + interval
  if next_at < now - 1000 then next_at = now end -- never burst to catch up more than 1 s
  local wait = next_at - now
  if wait < 0 then return 0 end
  return wait
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_s": %.3f, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d, "non_2xx_3xx": %d, "p50_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
