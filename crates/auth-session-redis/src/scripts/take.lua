-- Cluster rotation, first step: read and delete a live session in one step, so that the old
-- key is dead before the new one exists (a failure in between logs the user out; it never
-- leaves two live keys). Leaves a rotation marker (same slot) that restore.lua needs and that
-- delete.lua removes, so a logout during the rotation wins over a restore.
-- KEYS[1] session hash, KEYS[2] its rotation marker. ARGV[1] now, ARGV[2] marker lifetime (ms).
-- Returns the hash fields, or nil if there was no live session.
if not is_live(KEYS[1], tonumber(ARGV[1])) then
  return false
end
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return fields
