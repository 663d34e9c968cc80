-- POST /api/v1/referrals with pre-signed referrals (ready multipart bodies <dir>/<n>.bin), each sent once.
-- args: [1] think ms, [2] directory, [3] first n, [4] count, [5] threads, [6] API token, [7] content type.
-- Thread t sends n = first + t, first + t + threads, …; it stops once it has had an answer for each of its bodies
-- (a run is bounded in count as well as in time). Answers: 201 new referral, 200 replay (must not happen).
local bodies, headers, index = {}, {}, 0

function init_script(args)
  local dir, first, count, threads = args[2], tonumber(args[3]), tonumber(args[4]), tonumber(args[5])
  headers["Authorization"] = "Bearer " .. args[6]
  headers["Content-Type"] = args[7]
  local n = first + (thread_id or 0)
  while n < first + count do
    local f = assert(io.open(dir .. "/" .. n .. ".bin", "rb"))
    table.insert(bodies, f:read("*a"))
    f:close()
    n = n + threads
  end
  stop_after = #bodies
end

function next_request()
  index = index + 1
  local body = bodies[((index - 1) % #bodies) + 1]
  return wrk.format("POST", "/api/v1/referrals", headers, body)
end
