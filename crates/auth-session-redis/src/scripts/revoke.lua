-- Record a revocation and publish it, in one step.
-- KEYS[1] the revocation ZSET. ARGV[1] now, ARGV[2] member (the target as JSON),
-- ARGV[3] expiry (score), ARGV[4] channel, ARGV[5] message (the revocation as JSON).
-- An existing entry's expiry only moves later; expired entries are forgotten; the set
-- expires with its last entry, so it stays bounded. "Expired" is judged at the caller's now
-- bounded by Redis' own clock (TIME): an instance whose clock runs ahead must not erase
-- revocations that are still live for everyone else.
local current = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not current or tonumber(current) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
end
local t = redis.call('TIME')
local server = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local prune = math.min(tonumber(ARGV[1]), server)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', prune))
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIREAT', KEYS[1], string.format('%d', tonumber(last[2])))
end
return redis.call('PUBLISH', ARGV[4], ARGV[5])
