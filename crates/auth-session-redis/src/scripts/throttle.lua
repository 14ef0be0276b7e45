-- One step of a login throttle on one key (auth-core's ThrottleStore contract and
-- ThrottlePolicy::check / ::fail), judged by the Redis server's clock, never a caller's.
-- KEYS[1] the key's hash: f (failures), u (locked until, ms).
-- ARGV[1] 'check' or 'fail', ARGV[2] free failures, ARGV[3] base delay (ms),
-- ARGV[4] max delay (ms), ARGV[5] forget after (ms).
-- Returns the wait in ms before the next attempt (0: allowed). Every write sets the key to
-- expire `forget` ms after its lock ends, so nothing is left behind.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free, base = tonumber(ARGV[2]), tonumber(ARGV[3])
local cap, forget = tonumber(ARGV[4]), tonumber(ARGV[5])
local h = redis.call('HMGET', KEYS[1], 'f', 'u')
local f, u = tonumber(h[1]) or 0, tonumber(h[2]) or 0

local function delay(n)
  if n <= free then
    return 0
  end
  local d = n - free - 1
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
  if u > now then
    return u - now
  end
  local reserve = delay(f + 1)
  if reserve > 0 then
    u = now + reserve
    store()
  end
  return 0
end

f = f + 1
u = math.max(u, now + delay(f))
store()
if u > now then
  return u - now
end
return 0
