-- wrk script of the capacity benchmark (benchmarks/capacity.py): a POST with a JSON body and the
-- gateway's auth headers, and a one-line JSON summary at the end.
--   wrk -t2 -c64 -d10s -s benchmarks/wrk_post.lua URL -- BODY_FILE [API_KEY INSTITUTION_CODE]
-- Without an API key (the floor: wrk straight to the null bureau) only Content-Type is sent.

function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[2] then
    wrk.headers["X-API-Key"] = args[2]
    wrk.headers["X-Institution-Code"] = args[3]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nCAPACITY {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
