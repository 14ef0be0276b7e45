-- Record a revocation and publish it, in one step; past a per-subject threshold, collapse the
-- subject's entries into one watermark, in the same step.
-- KEYS[1] the revocation ZSET; KEYS[2] (only for a revocation that names a subject) the
-- subject's index of its entries in KEYS[1] (a ZSET scored by expiry, in KEYS[1]'s slot).
-- ARGV[1] now, ARGV[2] member (the target as JSON), ARGV[3] expiry (score), ARGV[4] channel,
-- ARGV[5] message (the revocation as JSON); with KEYS[2]: ARGV[6] the threshold (entries of
-- the subject kept before collapsing), ARGV[7] the horizon in ms, ARGV[8] the watermark's
-- member up to its time ('{"type":"subject_before","subject":<JSON string>,"before":').
-- An existing entry's expiry only moves later; expired entries are forgotten; each set expires
-- with its last entry, so it stays bounded. "Expired" is judged at the caller's now bounded by
-- Redis' own clock (TIME): an instance whose clock runs ahead must not erase revocations that
-- are still live for everyone else.
-- Returns {} or, when it collapsed, {before, expiry} of the watermark it wrote and published.
local function add(key, member, score)
  local current = redis.call('ZSCORE', key, member)
  if not current or tonumber(current) < tonumber(score) then
    redis.call('ZADD', key, score, member)
  end
end
local function expire_with_last(key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then
    redis.call('PEXPIREAT', key, string.format('%d', tonumber(last[2])))
  end
end

add(KEYS[1], ARGV[2], ARGV[3])
local t = redis.call('TIME')
local server = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local now = tonumber(ARGV[1])
local prune = string.format('%d', math.min(now, server))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', prune)
redis.call('PUBLISH', ARGV[4], ARGV[5])

local collapsed = {}
if KEYS[2] then
  local ix = KEYS[2]
  add(ix, ARGV[2], ARGV[3])
  redis.call('ZREMRANGEBYSCORE', ix, '-inf', prune)
  if redis.call('ZCARD', ix) > tonumber(ARGV[6]) then
    -- One watermark "everything this subject was issued before `before`": after every
    -- clock that may have revoked these entries (the caller's, the server's), and after any
    -- watermark the subject already has, which it replaces.
    local horizon = tonumber(ARGV[7])
    local before = math.max(now, server) + 1
    local members = redis.call('ZRANGE', ix, 0, -1, 'WITHSCORES')
    for i = 1, #members, 2 do
      local b = string.match(members[i], '^{"type":"subject_before",.*"before":(%-?%d+)}$')
      if b then
        before = math.max(before, tonumber(b))
      end
    end
    -- Sessions revoked before `before` (expiry < before + horizon; every list gives a
    -- session entry at least its revocation time plus the horizon) are covered: the same rule
    -- every instance applies to its in-memory set (auth-core's RevocationSet).
    local bound = before + horizon
    local expiry = bound
    for i = 1, #members, 2 do
      local m, s = members[i], tonumber(members[i + 1])
      local watermark = string.sub(m, 1, 24) == '{"type":"subject_before"'
      if watermark then
        expiry = math.max(expiry, s)
      end
      if watermark or (string.sub(m, 1, 17) == '{"type":"session"' and s < bound) then
        redis.call('ZREM', KEYS[1], m)
        redis.call('ZREM', ix, m)
      end
    end
    local member = ARGV[8] .. string.format('%d', before) .. '}'
    local score = string.format('%d', expiry)
    redis.call('ZADD', KEYS[1], score, member)
    redis.call('ZADD', ix, score, member)
    redis.call('PUBLISH', ARGV[4], '{"target":' .. member .. ',"expires_at":' .. score .. '}')
    collapsed = {before, expiry}
  end
  expire_with_last(ix)
end
expire_with_last(KEYS[1])
return collapsed
