-- Common part of every benchmark script (bench/server.py prepends it): per-thread counters of statuses, the
-- measured window (first request .. last response, monotonic clock through LuaJIT's ffi), optional pacing
-- (think time per connection), and one JSON line "BENCHJSON {...}" printed by done() for bench/server.py.
-- A script defines init_script(args), next_request() and, if it needs the answers, on_response(status, headers, body).
-- args[1] of every script: think time in ms per connection (0: as fast as possible).

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *tp);
]]
local bench_ts = ffi.new("bench_timespec")
function bench_now()
  ffi.C.clock_gettime(1, bench_ts) -- CLOCK_MONOTONIC
  return tonumber(bench_ts.tv_sec) + tonumber(bench_ts.tv_nsec) / 1e9
end

local bench_threads = {}
local bench_next_id = 0

function setup(thread)
  thread:set("thread_id", bench_next_id)
  bench_next_id = bench_next_id + 1
  table.insert(bench_threads, thread)
end

statuses = {}
completed = 0
t_first = nil
t_last = nil
think_ms = 0
stop_after = nil -- a script may bound the number of requests of its thread

function init(args)
  think_ms = tonumber(args[1]) or 0
  math.randomseed((thread_id or 0) * 7919 + os.time())
  init_script(args)
end

function delay()
  if think_ms <= 0 then return 0 end
  return math.floor(think_ms * (0.5 + math.random()))  -- jitter: connections do not march in step
end

function request()
  if not t_first then t_first = bench_now() end
  return next_request()
end

function response(status, headers, body)
  t_last = bench_now()
  completed = completed + 1
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if on_response then on_response(status, headers, body) end
  if stop_after and completed >= stop_after then wrk.thread:stop() end
end

function split(s, sep)
  local out = {}
  for piece in string.gmatch(s, "([^" .. sep .. "]+)") do table.insert(out, piece) end
  return out
end

local function json_value(v)
  if type(v) == "table" then
    local parts = {}
    for k, x in pairs(v) do table.insert(parts, string.format("%q:%s", tostring(k), json_value(x))) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(v) == "number" then
    return string.format("%.6f", v)
  end
  return string.format("%q", tostring(v))
end

function done(summary, latency, requests)
  local total_statuses, first, last, n = {}, nil, nil, 0
  local extra = {}
  for _, t in ipairs(bench_threads) do
    local s = t:get("statuses") or {}
    for k, v in pairs(s) do total_statuses[k] = (total_statuses[k] or 0) + v end
    local f, l = t:get("t_first"), t:get("t_last")
    if f and (not first or f < first) then first = f end
    if l and (not last or l > last) then last = l end
    n = n + (t:get("completed") or 0)
    local x = t:get("x_counts")
    if x then for k, v in pairs(x) do extra[k] = (extra[k] or 0) + v end end
  end
  local window = (first and last and last > first) and (last - first) or (summary.duration / 1e6)
  local out = {
    requests = n, duration_us = window * 1e6, wrk_duration_us = summary.duration, wrk_requests = summary.requests,
    p50_us = latency:percentile(50), p95_us = latency:percentile(95), p99_us = latency:percentile(99),
    mean_us = latency.mean, max_us = latency.max, statuses = total_statuses, errors = summary.errors,
    x_counts = extra,
  }
  io.write("BENCHJSON " .. json_value(out) .. "\n")
end
