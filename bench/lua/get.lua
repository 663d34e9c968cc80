-- GET over a list of paths, round robin from a per-thread offset.
-- args: [1] think ms, [2] comma-separated paths, [3…] extra headers "Name: value" (e.g. the session cookie).
local paths, headers, index = {}, {}, 0

function init_script(args)
  paths = split(args[2], ",")
  for i = 3, #args do
    local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
  index = thread_id or 0
end

function next_request()
  index = index + 1
  return wrk.format("GET", paths[(index % #paths) + 1], headers)
end
