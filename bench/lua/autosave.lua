-- PATCH /api/v1/protocols/{id}: an autosave of 10 text items, each thread on its own protocol, one connection per
-- thread (so the revision of the previous answer is known when the next request is built).
-- args: [1] think ms, [2] protocol ids "1,2,…", [3] their revisions "2,2,…", [4] item keys "77.1,77.3,…",
-- [5] session cookie "mse_session=…", [6] CSRF token.
local protocol, revision, keys, headers, n = 0, 0, {}, {}, 0

function autosave_init(ids_arg, revs_arg, keys_arg, cookie, csrf)
  local ids, revs = split(ids_arg, ","), split(revs_arg, ",")
  local i = ((thread_id or 0) % #ids) + 1
  protocol, revision = tonumber(ids[i]), tonumber(revs[i])
  keys = split(keys_arg, ",")
  headers["Cookie"] = cookie
  headers["X-CSRF-Token"] = csrf
  headers["Content-Type"] = "application/json"
end

function init_script(args) autosave_init(args[2], args[3], args[4], args[5], args[6]) end

function autosave_request()
  n = n + 1
  local changes = {}
  for _, key in ipairs(keys) do
    table.insert(changes, string.format('"%s": "Текст пункта, правка %d потока %d"', key, n, thread_id or 0))
  end
  local body = string.format('{"revision": %d, "changes": {%s}}', revision, table.concat(changes, ", "))
  return wrk.format("PATCH", "/api/v1/protocols/" .. protocol, headers, body)
end

function autosave_response(status, body)
  if status == 200 then
    local r = string.match(body, '"revision":%s*(%d+)')
    if r then revision = tonumber(r) end
  end
end

next_request = autosave_request
function on_response(status, headers, body) autosave_response(status, body) end
