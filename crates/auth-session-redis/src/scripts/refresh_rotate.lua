-- Consume a refresh token's generation and rotate, atomically (RefreshStore contract).
-- KEYS[1] family hash. ARGV[1] now (ms), ARGV[2] presented generation, ARGV[3] grace (ms),
-- ARGV[4] the successor's expiry if this rotates (ms), ARGV[5] how many repeats the grace
-- window allows.
-- Returns {0} not found, {1, rec, generation, live expiry} rotated,
-- {2, rec, generation, live expiry, repeats so far} repeated inside the grace window,
-- {3, rec} reused (including a repeat beyond the limit).
local now, g = tonumber(ARGV[1]), tonumber(ARGV[2])
local grace, nxt, max_rep = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local h = redis.call('HMGET', KEYS[1], 'rec', 'gen', 'rot', 'live', 'end', 'rep')
-- Forget the family once it expired at `deadline` by Redis' clock (TIME) as well as the
-- caller's: an instance whose clock runs ahead sees it expired, but must not erase a family
-- that is live for every other instance.
local function forget_after(deadline)
  local t = redis.call('TIME')
  if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) >= deadline then
    redis.call('DEL', KEYS[1])
  end
end
if not h[1] then
  return {0}
end
local gen, rot, live, fend = tonumber(h[2]), tonumber(h[3]), tonumber(h[4]), tonumber(h[5])
if now >= fend then
  forget_after(fend)
  return {0}
end
if g == gen then
  if now >= live then
    forget_after(live)
    return {0}
  end
  local new_live = math.min(nxt, fend)
  redis.call('HSET', KEYS[1], 'gen', gen + 1, 'rot', now, 'live', new_live, 'rep', 0)
  return {1, h[1], gen + 1, new_live}
end
-- Families written before repeats were counted have no 'rep': none so far.
local rep = tonumber(h[6]) or 0
if g + 1 == gen and now - rot <= grace and rep < max_rep then
  return {2, h[1], gen, live, redis.call('HINCRBY', KEYS[1], 'rep', 1)}
end
if g < gen then
  redis.call('DEL', KEYS[1])
  return {3, h[1]}
end
return {0}
