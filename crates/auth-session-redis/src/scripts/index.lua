-- Change a subject index on its own (Redis Cluster, where it lives in another slot than the
-- sessions), pruning it in the same step.
-- KEYS[1] the index. ARGV[1] now, ARGV[2] 'add' or 'remove', ARGV[3] score (for 'add'),
-- ARGV[4..] members.
local now = tonumber(ARGV[1])
for i = 4, #ARGV do
  if ARGV[2] == 'add' then
    redis.call('ZADD', KEYS[1], ARGV[3], ARGV[i])
  else
    redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
index_prune(KEYS[1], now)
return 1
