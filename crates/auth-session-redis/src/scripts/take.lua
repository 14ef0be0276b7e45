-- Cluster rotation, first step: read and delete a live session in one step, so that the old
-- key is dead before the new one exists (a failure in between logs the user out; it never
-- leaves two live keys).
-- KEYS[1] session hash. ARGV[1] now.
-- Returns the hash fields, or nil if there was no live session.
if not is_live(KEYS[1], tonumber(ARGV[1])) then
  return false
end
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return fields
