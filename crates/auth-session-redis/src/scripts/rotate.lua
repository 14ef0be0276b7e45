-- Move a session to a new key with changes, in one step: create new + delete old, never RENAME.
-- KEYS[1] old hash, KEYS[2] new hash; further KEYS: subject indexes (positions in ARGV).
-- ARGV[1] now, ARGV[2] old member, ARGV[3] new member, ARGV[4] guard mode,
-- ARGV[5] guard subject, ARGV[6] position of the index to remove the old member from (0: none),
-- ARGV[7] position of the index to add the new member to (0: none), ARGV[8..] changes block.
-- Returns {0} old missing, {1, new hash fields} rotated, {2} new key taken (nothing done),
-- {3} the subject changed since the caller read it (read again and retry).
local now = tonumber(ARGV[1])
if not is_live(KEYS[1], now) then
  return {0}
end
if not guard_ok(redis.call('HGET', KEYS[1], 'sub'), ARGV[4], ARGV[5]) then
  return {3}
end
if KEYS[1] == KEYS[2] or is_live(KEYS[2], now) then
  return {2}
end
redis.call('DEL', KEYS[2])
local fields = redis.call('HGETALL', KEYS[1])
chunked('HSET', KEYS[2], fields, 1, #fields, 200)
redis.call('DEL', KEYS[1])
apply_changes(KEYS[2], 8)
local remove_at, add_at = tonumber(ARGV[6]), tonumber(ARGV[7])
if remove_at > 0 then
  index_remove(KEYS[remove_at], ARGV[2], now)
end
if add_at > 0 then
  index_add(KEYS[add_at], ARGV[3], redis.call('HGET', KEYS[2], 'abs'), now)
end
return {1, redis.call('HGETALL', KEYS[2])}
