-- The mixed soak (P10), loaded after autosave.lua: 70 % case card reads, 20 % autosaves of the thread's own protocol,
-- 10 % intake of the thread's own pre-signed referrals (a read once they are used up). One connection per thread.
-- args: [1] think ms, [2]–[6] as autosave.lua, [7] card paths "/cases/1,…", [8] intake directory, [9] first n,
-- [10] count, [11] threads, [12] API token, [13] content type.
local paths, read_headers, intake_headers, bodies, read_index, intake_index, kind = {}, {}, {}, {}, 0, 0, "read"
x_counts = {}

function init_script(args)
  autosave_init(args[2], args[3], args[4], args[5], args[6])
  paths = split(args[7], ",")
  read_headers["Cookie"] = args[5]
  intake_headers["Authorization"] = "Bearer " .. args[12]
  intake_headers["Content-Type"] = args[13]
  local first, count, threads = tonumber(args[9]), tonumber(args[10]), tonumber(args[11])
  local n = first + (thread_id or 0)
  while n < first + count do
    local f = assert(io.open(args[8] .. "/" .. n .. ".bin", "rb"))
    table.insert(bodies, f:read("*a"))
    f:close()
    n = n + threads
  end
  read_index = thread_id or 0
end

function next_request()
  local r = math.random()
  if r < 0.10 and intake_index < #bodies then
    kind = "intake"
    intake_index = intake_index + 1
    return wrk.format("POST", "/api/v1/referrals", intake_headers, bodies[intake_index])
  elseif r < 0.30 then
    kind = "autosave"
    return autosave_request()
  end
  kind = "read"
  read_index = read_index + 1
  return wrk.format("GET", paths[(read_index % #paths) + 1], read_headers)
end

function on_response(status, headers, body)
  x_counts[kind] = (x_counts[kind] or 0) + 1
  if status < 200 or status > 299 then
    x_counts[kind .. "_errors"] = (x_counts[kind .. "_errors"] or 0) + 1
  end
  if kind == "autosave" then autosave_response(status, body) end
end
