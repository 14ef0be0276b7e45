-- Apply changes to a live session; never bring back a deleted or expired one.
-- KEYS[1] session hash; further KEYS: subject indexes (positions in ARGV[5], ARGV[6]).
-- ARGV[1] now, ARGV[2] index member, ARGV[3] guard mode, ARGV[4] guard subject,
-- ARGV[5] position in KEYS of the index to remove from (0: none),
-- ARGV[6] position in KEYS of the index to add to (0: none),
-- ARGV[7] expected version ('' for none), ARGV[8..] the changes block.
-- Returns {0} missing, {1, version, old subject} saved, {2, version} conflict,
-- {3} the subject changed since the caller read it (read again and retry).
local now = tonumber(ARGV[1])
if not is_live(KEYS[1], now) then
  return {0}
end
local old_sub = redis.call('HGET', KEYS[1], 'sub')
if not guard_ok(old_sub, ARGV[3], ARGV[4]) then
  return {3}
end
local ver = redis.call('HGET', KEYS[1], 'ver')
if ARGV[7] ~= '' and ARGV[7] ~= ver then
  return {2, ver}
end
local new_ver = apply_changes(KEYS[1], 8)
local remove_at, add_at = tonumber(ARGV[5]), tonumber(ARGV[6])
if remove_at > 0 then
  index_remove(KEYS[remove_at], ARGV[2], now)
end
if add_at > 0 then
  index_add(KEYS[add_at], ARGV[2], redis.call('HGET', KEYS[1], 'abs'), now)
end
return {1, new_ver, old_sub}
