-- Create a session; never overwrite a live one.
-- KEYS[1] session hash; KEYS[2] (optional) the subject index to add it to.
-- ARGV[1] now, ARGV[2] index member, ARGV[3] index score (absolute expiry),
-- ARGV[4..] field/value pairs.
-- Returns 1 if created, 0 if a live session already holds the key.
local now = tonumber(ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then
  if is_live(KEYS[1], now) then
    return 0
  end
  redis.call('DEL', KEYS[1])
end
chunked('HSET', KEYS[1], ARGV, 4, #ARGV, 200)
expire_session(KEYS[1])
if KEYS[2] then
  index_add(KEYS[2], ARGV[2], ARGV[3], now)
end
return 1
