-- wrk script: every request is the next line of the query file (distinct queries), as
-- GET /api/search?q=...&facets=true with snippets, like the search box asks.
-- Each wrk thread starts at its own offset so threads do not repeat each other.
local queries = {}
local counter = 0
local offset = 0

function init(args)
  for line in io.lines(args[1]) do queries[#queries + 1] = line end
  offset = (tonumber(args[2] or "0") or 0)
end

local thread_no = 0
local threads = {}
function setup(thread)
  thread:set("id", thread_no)
  thread_no = thread_no + 1
  table.insert(threads, thread)
end

-- Statuses other than 200 and 304, counted per thread, so that the summary can say which
-- errors wrk saw. Only with WRK_STATUSES=1 (http_load.py --statuses): a response() function
-- makes wrk hand every response's headers and body to Lua, which cost wrk twice the CPU per
-- request on the machine the service shares with it. Without it, wrk still counts statuses
-- of 400 and above as errors, and the summary says how many.
bad = {}
if os.getenv("WRK_STATUSES") == "1" then
  function response(status, headers, body)
    if status ~= 200 and status ~= 304 then bad[status] = (bad[status] or 0) + 1 end
  end
end

local function bad_statuses()
  local total = {}
  for _, t in ipairs(threads) do
    local b = t:get("bad") or {}
    for status, n in pairs(b) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format("\"%d\": %d", status, n)) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function request()
  counter = counter + 1
  local n = #queries
  local i = ((id or 0) * math.floor(n / 8) + counter + offset) % n + 1
  return wrk.format("GET", "/api/search?per_page=10&q=" .. queries[i])
end

function done(summary, latency, requests)
  io.write(string.format("JSON {\"requests\": %d, \"errors\": %d, \"connect\": %d, \"read\": %d, " ..
    "\"write\": %d, \"status_errors\": %d, \"timeouts\": %d, " ..
    "\"p50_ms\": %.2f, \"p99_ms\": %.2f, \"rps\": %.1f, \"bad_statuses\": %s}\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), bad_statuses()))
end
