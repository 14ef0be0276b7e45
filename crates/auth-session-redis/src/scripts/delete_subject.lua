-- Delete every listed session that still belongs to the subject, and their index entries.
-- KEYS[1] the subject index, KEYS[2..] session hashes.
-- ARGV[1] now, ARGV[2] subject, ARGV[3..] the index members of KEYS[2..], in the same order.
-- Returns how many live sessions were deleted.
local now = tonumber(ARGV[1])
local deleted = 0
for i = 2, #KEYS do
  if redis.call('HGET', KEYS[i], 'sub') == ARGV[2] then
    if is_live(KEYS[i], now) then
      deleted = deleted + 1
    end
    redis.call('DEL', KEYS[i])
  end
  redis.call('ZREM', KEYS[1], ARGV[i + 1])
end
index_prune(KEYS[1], now)
return deleted
