-- post.lua — wrk script of tests/bench/daemon.sh: POSTs one Identity value per request, each
-- taken once from a file (one per line), so that no request repeats a PASSporT; counts the
-- answers that are not a pass; optionally paces the requests to a fixed total rate.
--
-- Set through the environment:
--   BENCH_IDS   the file of Identity header values (required)
--   BENCH_THREADS  wrk's -t (required)
--   BENCH_BODY  atis: an ATIS-1000082 verificationRequest (danecidd's /stir/v1/verification);
--               raw: the Identity value itself (secsipidx's /v1/check)
--   BENCH_ORIG, BENCH_DEST   the TNs of the ATIS request (atis only)
--   BENCH_PASS  a string every passing answer's body holds (status 200 is required too)
--   BENCH_RATE  when set: requests/s over all threads, paced (see delay() below)
--   BENCH_OUT   where done() writes its results, "key value" lines
--
-- Thread t of T takes lines t, t+T, t+2T, ... of the file. A thread that uses up its share
-- starts again from its first line and counts each such request in "wrapped": for danecidd
-- they are replays and come back as failures (counted in nonpass too).
local ids_file = os.getenv("BENCH_IDS")
local mode = os.getenv("BENCH_BODY") or "atis"
local orig = os.getenv("BENCH_ORIG") or ""
local dest = os.getenv("BENCH_DEST") or ""
local pass = os.getenv("BENCH_PASS") or ""
local rate = tonumber(os.getenv("BENCH_RATE") or "")
local out_file = os.getenv("BENCH_OUT")

local nthreads = tonumber(os.getenv("BENCH_THREADS") or "")
local threads = {}

-- main state: number the threads, keep them for done(). wrk runs a thread's init() before it
-- calls setup() for the next one: the thread count must come from the environment.
function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

local ids = {}
local n_ids, next_id, looped = 0, 0, false
local headers = {}
-- per thread: counted in response(), read by done() through thread:get()
responses, nonpass, non2xx, wrapped = 0, 0, 0, 0

function init(args)
	assert(nthreads ~= nil and nthreads > 0, "BENCH_THREADS not set")
	local f = assert(io.open(assert(ids_file, "BENCH_IDS not set"), "r"))
	local i = 0
	for line in f:lines() do
		if line ~= "" then
			if i % nthreads == tid then
				n_ids = n_ids + 1
				ids[n_ids] = line
			end
			i = i + 1
		end
	end
	f:close()
	assert(n_ids > 0, "no Identity values for thread " .. tid .. " in " .. ids_file)
	if mode == "atis" then
		headers["Content-Type"] = "application/json"
	else
		headers["Content-Type"] = "text/plain"
	end
end

function request()
	next_id = next_id + 1
	if next_id > n_ids then
		next_id = 1
		looped = true
	end
	if looped then
		wrapped = wrapped + 1
	end
	local id = ids[next_id]
	local body
	if mode == "atis" then
		body = '{"verificationRequest":{"from":{"tn":"' .. orig .. '"},"to":{"tn":["' .. dest ..
			'"]},"identity":"' .. id .. '"}}'
	else
		body = id
	end
	return wrk.format("POST", nil, headers, body)
end

function response(status, hdrs, body)
	responses = responses + 1
	if status < 200 or status > 299 then
		non2xx = non2xx + 1
	end
	if status ~= 200 or body == nil or not string.find(body, pass, 1, true) then
		nonpass = nonpass + 1
	end
end

-- Pacing (BENCH_RATE): each thread keeps a schedule of send times, interval T/rate apart,
-- and delay() makes the connection that is about to send wait for the next free slot. This
-- is an open-loop schedule as long as a connection is free at each slot; when none is (the
-- server is slower than the rate), delay() returns 0 and the thread catches up. wrk starts a
-- request's latency clock when it writes it, after the delay. wrk's timers count whole ms.
if rate ~= nil and rate > 0 then
	local ffi = require("ffi")
	ffi.cdef [[
		typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
		int clock_gettime(int clk, bench_timespec *ts);
	]]
	local ts = ffi.new("bench_timespec")
	local function now_ms()
		ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
		return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
	end
	local slot
	function delay()
		local interval = 1000 * nthreads / rate
		local t = now_ms()
		if slot == nil then
			slot = t
		end
		slot = slot + interval
		if slot < t then
			return 0
		end
		return math.floor(slot - t)
	end
end

function done(summary, latency, requests)
	local sums = {responses = 0, nonpass = 0, non2xx = 0, wrapped = 0}
	for _, t in ipairs(threads) do
		for k, _ in pairs(sums) do
			sums[k] = sums[k] + (t:get(k) or 0)
		end
	end
	local e = summary.errors
	local lines = {
		string.format("requests %d", summary.requests),
		string.format("duration_us %d", summary.duration),
		string.format("rps %.1f", summary.requests / (summary.duration / 1e6)),
		string.format("p50_us %d", latency:percentile(50)),
		string.format("p90_us %d", latency:percentile(90)),
		string.format("p99_us %d", latency:percentile(99)),
		string.format("mean_us %.1f", latency.mean),
		string.format("max_us %d", latency.max),
		string.format("errors %d", e.connect + e.read + e.write + e.timeout),
		string.format("errors_status %d", e.status),
		string.format("responses %d", sums.responses),
		string.format("nonpass %d", sums.nonpass),
		string.format("non2xx %d", sums.non2xx),
		string.format("wrapped %d", sums.wrapped),
	}
	local text = table.concat(lines, "\n") .. "\n"
	if out_file ~= nil then
		local f = assert(io.open(out_file, "w"))
		f:write(text)
		f:close()
	else
		io.write(text)
	end
end
