-- Consume a refresh token's generation and rotate, atomically (RefreshStore contract).
-- KEYS[1] family hash. ARGV[1] now (ms), ARGV[2] presented generation, ARGV[3] grace (ms),
-- ARGV[4] the successor's expiry if this rotates (ms).
-- Returns {0} not found, {1, rec, generation, live expiry} rotated,
-- {2, rec, generation, live expiry} repeated inside the grace window, {3, rec} reused.
local now, g = tonumber(ARGV[1]), tonumber(ARGV[2])
local grace, nxt = tonumber(ARGV[3]), tonumber(ARGV[4])
local h = redis.call('HMGET', KEYS[1], 'rec', 'gen', 'rot', 'live', 'end')
if not h[1] then
  return {0}
end
local gen, rot, live, fend = tonumber(h[2]), tonumber(h[3]), tonumber(h[4]), tonumber(h[5])
if now >= fend then
  redis.call('DEL', KEYS[1])
  return {0}
end
if g == gen then
  if now >= live then
    redis.call('DEL', KEYS[1])
    return {0}
  end
  local new_live = math.min(nxt, fend)
  redis.call('HSET', KEYS[1], 'gen', gen + 1, 'rot', now, 'live', new_live)
  return {1, h[1], gen + 1, new_live}
end
if g + 1 == gen and now - rot <= grace then
  return {2, h[1], gen, live}
end
if g < gen then
  redis.call('DEL', KEYS[1])
  return {3, h[1]}
end
return {0}
