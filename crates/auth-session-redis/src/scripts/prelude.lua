-- Helpers shared by every session script (prepended by scripts/mod.rs).
-- Times are integer milliseconds since the Unix epoch from the caller's clock, so that
-- whether a session is live is judged by the store's configured clock. Pruning shared state
-- (index entries other instances rely on) is bounded by the server's clock instead: see
-- prune_time.

local function int(x)
  return string.format('%d', x)
end

-- Whether the session hash exists and has not expired at `now` (expiry is exclusive).
local function is_live(key, now)
  local m = redis.call('HMGET', key, 'idle', 'abs')
  if not m[1] or not m[2] then
    return false
  end
  return now < math.min(tonumber(m[1]), tonumber(m[2]))
end

-- Whether the session's subject is still the one the caller read before choosing which index
-- keys to pass: mode '' skips the check, 'a' expects an anonymous session, 's' expects `expected`.
local function guard_ok(sub, mode, expected)
  if mode == '' then
    return true
  elseif mode == 'a' then
    return not sub
  end
  return sub == expected
end

-- Run `cmd key list[first..last]` in chunks that stay below Lua's unpack limit.
local function chunked(cmd, key, list, first, last, step)
  local i = first
  while i <= last do
    local j = math.min(i + step - 1, last)
    redis.call(cmd, key, unpack(list, i, j))
    i = j + 1
  end
end

-- The time up to which shared state may be pruned: the caller's `now`, but never later than
-- Redis' own clock (TIME), so that an instance whose clock runs ahead cannot erase entries
-- that every other instance still needs. (A caller whose clock lags prunes less; the next
-- writer with a right clock, or the key's own expiry, catches up.) Redis 5+ replicates
-- script effects, so calling TIME before writing is allowed, on a Cluster node too.
local function prune_time(now)
  local t = redis.call('TIME')
  local server = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  return math.min(now, server)
end

-- Forget index entries whose session is past its absolute expiry, and let the index key
-- expire with its last entry, so an index never outlives its sessions.
local function index_prune(ix, now)
  redis.call('ZREMRANGEBYSCORE', ix, '-inf', int(prune_time(now)))
  local last = redis.call('ZRANGE', ix, -1, -1, 'WITHSCORES')
  if last[2] then
    redis.call('PEXPIREAT', ix, int(tonumber(last[2])))
  end
end

local function index_add(ix, member, score, now)
  redis.call('ZADD', ix, score, member)
  index_prune(ix, now)
end

local function index_remove(ix, member, now)
  redis.call('ZREM', ix, member)
  index_prune(ix, now)
end

-- The key expires in Redis when the session ends: the earlier of idle and absolute expiry.
local function expire_session(key)
  local m = redis.call('HMGET', key, 'idle', 'abs')
  redis.call('PEXPIREAT', key, int(math.min(tonumber(m[1]), tonumber(m[2]))))
end

-- Apply the changes block at ARGV[at..] (see codec.rs) to the session hash: removed values,
-- set values, identity, device (only when one is given: no save erases it), touch (clamped to
-- the absolute expiry), expiry, version. Returns the new version. The same semantics as
-- SessionChanges::apply_to.
local function apply_changes(key, at)
  local ident_op, ident_json, ident_sub = ARGV[at], ARGV[at + 1], ARGV[at + 2]
  local touch_seen, touch_idle = ARGV[at + 3], ARGV[at + 4]
  local device = ARGV[at + 5]
  local n_removed = tonumber(ARGV[at + 6])
  local first = at + 7
  chunked('HDEL', key, ARGV, first, first + n_removed - 1, 200)
  chunked('HSET', key, ARGV, first + n_removed, #ARGV, 200)
  if ident_op == '+' then
    redis.call('HSET', key, 'ident', ident_json, 'sub', ident_sub)
  elseif ident_op == '-' then
    redis.call('HDEL', key, 'ident', 'sub')
  end
  if device ~= '' then
    redis.call('HSET', key, 'dev', device)
  end
  if touch_seen ~= '' then
    local m = redis.call('HMGET', key, 'seen', 'abs')
    local seen = math.max(tonumber(m[1]), tonumber(touch_seen))
    local idle = math.min(tonumber(touch_idle), tonumber(m[2]))
    redis.call('HSET', key, 'seen', int(seen), 'idle', int(idle))
  end
  expire_session(key)
  return int(redis.call('HINCRBY', key, 'ver', 1))
end

