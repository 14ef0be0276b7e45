-- One step of a login throttle on one key (auth-core's ThrottleStore contract and
-- ThrottlePolicy::check / ::fail / ::release), judged by the Redis server's clock, never a
-- caller's.
-- KEYS[1] the key's hash: f (failures, booked attempts included), u (locked until, ms).
-- ARGV[1] 'check', 'fail' or 'release', ARGV[2] free failures, ARGV[3] base delay (ms),
-- ARGV[4] max delay (ms), ARGV[5] forget after (ms).
-- Returns the wait in ms before the next attempt (0: allowed). Every write sets the key to
-- expire `forget` ms after its lock ends, so nothing is left behind.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free, base = math.max(tonumber(ARGV[2]), 1), tonumber(ARGV[3])
local cap, forget = tonumber(ARGV[4]), tonumber(ARGV[5])
local h = redis.call('HMGET', KEYS[1], 'f', 'u')
local f, u = tonumber(h[1]) or 0, tonumber(h[2]) or 0

-- The lock earned by the n-th failure: none before `free`, then base doubling, capped.
local function delay(n)
  if n < free then
    return 0
  end
  local d = n - free
  if d >= 32 then
    return cap
  end
  return math.min(base * 2 ^ d, cap)
end

local function store()
  redis.call('HSET', KEYS[1], 'f', string.format('%d', f), 'u', string.format('%d', u))
  redis.call('PEXPIRE', KEYS[1], string.format('%d', math.max(u, now) - now + forget))
end

if ARGV[1] == 'check' then
  -- Refused while locked (nothing booked); else the attempt is booked as a failure now.
  if u > now then
    return u - now
  end
  f = f + 1
  local d = delay(f)
  if d > 0 then
    u = now + d
  end
  store()
  return 0
end

if ARGV[1] == 'release' then
  if f <= 0 then
    return 0
  end
  f = f - 1
  if delay(f) == 0 then
    u = 0
  end
  if f == 0 then
    redis.call('DEL', KEYS[1])
  else
    store()
  end
  return 0
end

-- 'fail': confirm a booked failure (no second count); its lock runs from now.
if f > 0 then
  local d = delay(f)
  if d > 0 and now + d > u then
    u = now + d
    store()
  end
end
if u > now then
  return u - now
end
return 0
