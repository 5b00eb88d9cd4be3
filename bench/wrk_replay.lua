-- wrk script for bench/intake_load.py: replays requests prepared in a file (one a line:
-- METHOD \t PATH \t Name\30value\31Name\30value... \t BODY), each wrk thread its own share, so no
-- request is sent twice (message ids, update ids and phone numbers stay unique). A thread that runs
-- out asks for /__exhausted__ (a 404, counted as a failure). Prints one JSON line at the end.
--   wrk -t2 -c16 -d4s -s bench/wrk_replay.lua http://127.0.0.1:PORT -- FILE THREADS
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  prepared = {}
  statuses = {}
  position = 0
  local index = 0
  for line in io.lines(path) do
    if index % nthreads == id then
      local method, target, header_text, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for pair in header_text:gmatch("[^\31]+") do
        local name, value = pair:match("^([^\30]*)\30(.*)$")
        headers[name] = value
      end
      if body == "" then body = nil end
      table.insert(prepared, wrk.format(method, target, headers, body))
    end
    index = index + 1
  end
  exhausted = wrk.format("GET", "/__exhausted__")
end

function request()
  position = position + 1
  return prepared[position] or exhausted
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(totals) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.timeout, table.concat(parts, ", ")))
end
