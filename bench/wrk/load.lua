-- The wrk script of bench/upload-get.ts. wrk runs it with one thread; what it sends is set by the variables
-- bench/lib/wrk.ts puts in a small Lua file that this one's first line loads (WRK_CONFIG, the path of that file):
--   method, body_file (read once: every request sends the same bytes), headers,
--   paths (a list: request i goes to paths[i % #paths + 1]; one path means a fixed request wrk pre-builds),
--   ok_body (a string a 2xx reply's body must contain, e.g. "media_id": wxmedia answers errors with 200 too;
--   absent: a 2xx status is enough, counted by wrk itself).
-- done() prints one JSON line (the summary, latency percentiles in µs, the replies that were not ok) for the bench.
local config = dofile(os.getenv("WRK_CONFIG"))

local body = nil
if config.body_file then
  local f = assert(io.open(config.body_file, "rb"))
  body = f:read("*a")
  f:close()
end

wrk.method = config.method
wrk.body = body
for k, v in pairs(config.headers) do wrk.headers[k] = v end
wrk.path = config.paths[1]

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local n = 0
bad = 0
first_bad = ""

if #config.paths > 1 then
  function request()
    n = n + 1
    return wrk.format(nil, config.paths[(n % #config.paths) + 1])
  end
end

-- Only where a reply's body must be read (defining response() makes wrk hand every body to Lua, which would cost
-- the load generator a copy of each 2 MiB get); a non-2xx status wrk counts by itself.
if config.ok_body then
  function response(status, headers, reply)
    if status < 200 or status >= 300 or string.find(reply, config.ok_body, 1, true) == nil then
      bad = bad + 1
      if first_bad == "" then first_bad = status .. " " .. string.sub(reply or "", 1, 200) end
    end
  end
end

function done(summary, latency, requests)
  local total_bad, first = 0, ""
  for _, t in ipairs(threads) do
    total_bad = total_bad + (t:get("bad") or 0)
    if first == "" then first = (t:get("first_bad") or ""):gsub('[^%w%s:,{}%-_.]', '?'):gsub('%s', ' ') end
  end
  local e = summary.errors
  io.write(string.format(
    '\nWRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"bad":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"first_bad":"%s"}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    total_bad, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, first))
end
