-- Cluster rotation, undo: put a taken session back after a later step failed, unless it was
-- deleted meanwhile. A delete removes the marker take.lua left, so it wins over this; a marker
-- that expired (a very late restore) also refuses, leaving the user logged out.
-- KEYS[1] session hash, KEYS[2] its rotation marker. ARGV[1] now, ARGV[2..] field/value pairs.
-- Returns 1 restored, 0 no marker (deleted meanwhile), 2 a live session holds the key.
if redis.call('DEL', KEYS[2]) == 0 then
  return 0
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  if is_live(KEYS[1], tonumber(ARGV[1])) then
    return 2
  end
  redis.call('DEL', KEYS[1])
end
chunked('HSET', KEYS[1], ARGV, 2, #ARGV, 200)
expire_session(KEYS[1])
return 1
