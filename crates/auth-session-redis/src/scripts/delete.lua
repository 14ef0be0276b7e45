-- Delete a session, leaving nothing behind.
-- KEYS[1] session hash; KEYS[2] its rotation marker (Cluster: see take.lua); KEYS[3]
-- (optional) its subject index.
-- ARGV[1] now, ARGV[2] index member, ARGV[3] guard mode, ARGV[4] guard subject.
-- Returns {live (0/1), subject}, or {3} if the subject is not the expected one (nothing done
-- to the session).
local now = tonumber(ARGV[1])
local sub = redis.call('HGET', KEYS[1], 'sub')
if not guard_ok(sub, ARGV[3], ARGV[4]) then
  if redis.call('EXISTS', KEYS[1]) == 0 then
    -- Gone, perhaps taken by a rotation that may still put it back ("log out everywhere"
    -- found it in the subject's index): a delete wins over that restore.
    redis.call('DEL', KEYS[2])
  end
  return {3}
end
local live = is_live(KEYS[1], now)
redis.call('DEL', KEYS[1], KEYS[2])
if KEYS[3] then
  index_remove(KEYS[3], ARGV[2], now)
end
return {live and 1 or 0, sub}
