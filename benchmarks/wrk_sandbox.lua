-- wrk script of the sandbox capacity part (benchmarks/sandbox_capacity.py): POSTs a bureau envelope whose
-- msgid is new on every request (the sandbox refuses a msgid it has processed), and prints the same
-- one-line JSON summary as wrk_post.lua.
--   wrk -t2 -c64 -d10s -s benchmarks/wrk_sandbox.lua URL -- TEMPLATE_FILE FIXMEDINS_CODE
-- TEMPLATE_FILE holds the envelope with the text @MSGID@ where the msgid goes.  A msgid is the 12-character
-- institution code + yyyyMMddHHmmss + 4 digits: each wrk thread counts through its own range of seconds
-- (threads are 10,000,000 s apart), so no two requests of a run share one.

local counter = 0
local threads = {}
refused = 0
sample = ""

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  template = file:read("*a")
  file:close()
  code = args[2]
  base = os.time() - 20000000 * ((index or 0) + 1)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local stamp = os.date("!%Y%m%d%H%M%S", base + math.floor(counter / 10000))
  local msgid = string.format("%s%s%04d", code, stamp, counter % 10000)
  local body = template:gsub("@MSGID@", msgid, 1)
  return wrk.format(nil, nil, nil, body)
end

-- an answer that is not infcode 0 (a refusal, a duplicate msgid) counts as refused, with one sample kept
function response(status, headers, body)
  if status == 200 and not body:find('"infcode":%s*0[,}]') then
    refused = refused + 1
    if sample == "" then sample = body:sub(1, 300):gsub("[^%w ,:_%-%.%[%]{}]", "?") end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local refused_all, first = 0, ""
  for _, thread in ipairs(threads) do
    refused_all = refused_all + thread:get("refused")
    if first == "" then first = thread:get("sample") end
  end
  io.write(string.format(
    '\nCAPACITY {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "refused": %d, "sample": \"%s\"}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), refused_all, first))
end
