-- Create a refresh-token family; never overwrite one.
-- KEYS[1] family hash. ARGV[1] record JSON, ARGV[2] first token's expiry (ms),
-- ARGV[3] the family's absolute end (ms). Returns 1 created, 0 exists.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'rec', ARGV[1], 'gen', 0, 'rot', 0, 'live', ARGV[2], 'end', ARGV[3],
  'rep', 0)
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
