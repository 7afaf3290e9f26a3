-- wrk script of bench/intake.py: every request a new aanvraag, every answer checked.
--
-- Arguments (after `--`): the message template, the provider token, a run digit (1-9) and
-- a quota of POSTs per thread (0: none, wrk's -d decides). The template holds @ID@, @BSN@
-- and @REF@; each request fills them from one counter, so BerichtIdentificatie,
-- ReferentieAanbieder and BSN are new in every request of the run. The 8-digit prefix of
-- the BSN is run digit, thread digit and a 6-digit counter, so values differ across runs
-- (warm-up, measured run) and threads; the ninth digit is the elfproef's check digit, and a
-- prefix whose check digit would be 10 is skipped.
--
-- With a quota a thread stops after its quota of POSTs has been answered; until the
-- last answers are in, its idle connections send GET /healthz (a POST cannot be
-- unsent), whose 200 answers are not counted. It then writes "QUOTA_DONE" on a line of
-- its own: wrk itself sleeps out -d, so the caller interrupts it (SIGINT) on that line.
--
-- done() writes one line "INTAKE_RESULT {json}" with the counts and latency percentiles.

local PATH = "/api/v1/berichten"
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_digit", #threads)
end

local pieces = {}      -- literal text and placeholder names, in order
local run_digit, quota = 1, 0
local counter = 0
local sent = 0
answered, accepted, non202 = 0, 0, 0
bodies = {}

local function load_template(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  local position = 1
  while true do
    local first, last, name = text:find("@(%u+)@", position)
    if not first then break end
    table.insert(pieces, text:sub(position, first - 1))
    table.insert(pieces, { name })
    position = last + 1
  end
  table.insert(pieces, text:sub(position))
end

function init(args)
  load_template(args[1])
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  wrk.headers["Content-Type"] = "application/xml"
  run_digit = tonumber(args[3])
  quota = tonumber(args[4] or "0")
  -- wrk calls request() once on the first thread before connecting (to see whether the
  -- script pipelines) and never sends that one: it must not count towards the quota.
  if thread_digit == 1 then sent = -1 end
end

local function check_digit(prefix)
  local sum, weight = 0, 9
  for i = 1, 8 do
    sum = sum + tonumber(prefix:sub(i, i)) * weight
    weight = weight - 1
  end
  return sum % 11
end

-- The next 8-digit prefix whose BSN passes the elfproef, and that BSN.
local function next_values()
  while true do
    counter = counter + 1
    local prefix = string.format("%d%d%06d", run_digit, thread_digit, counter)
    local check = check_digit(prefix)
    if check < 10 then
      return prefix, prefix .. check
    end
  end
end

local filler = nil

function request()
  if quota > 0 and sent >= quota then
    filler = filler or wrk.format("GET", "/healthz", {}, nil)
    return filler
  end
  sent = sent + 1
  local prefix, bsn = next_values()
  local values = { ID = "BI" .. prefix, BSN = bsn, REF = "BENCH-" .. prefix }
  local parts = {}
  for i, piece in ipairs(pieces) do
    parts[i] = type(piece) == "table" and values[piece[1]] or piece
  end
  return wrk.format("POST", PATH, nil, table.concat(parts))
end

function response(status, headers, body)
  if quota > 0 and status == 200 then return end  -- a /healthz filler
  answered = answered + 1
  if status == 202 then
    accepted = accepted + 1
  else
    non202 = non202 + 1
    if #bodies < 3 then
      table.insert(bodies, status .. " " .. (body or ""):sub(1, 600))
    end
  end
  if quota > 0 and answered >= quota then
    io.write("QUOTA_DONE\n")
    io.flush()
    wrk.thread:stop()
  end
end

local function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local counts = { answered = 0, accepted = 0, non202 = 0 }
  local samples = {}
  for _, thread in ipairs(threads) do
    for name in pairs(counts) do
      counts[name] = counts[name] + thread:get(name)
    end
    for _, body in ipairs(thread:get("bodies")) do
      if #samples < 5 then table.insert(samples, json_string(body)) end
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'INTAKE_RESULT {"duration_us": %d, "requests": %d, "answered": %d, "accepted": %d, ' ..
    '"non202": %d, "errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, "bodies": [%s]}\n',
    summary.duration, summary.requests, counts.answered, counts.accepted, counts.non202,
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, table.concat(samples, ", ")))
end
