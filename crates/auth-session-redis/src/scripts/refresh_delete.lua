-- Delete a refresh-token family, returning its record (or nil).
-- KEYS[1] family hash.
local rec = redis.call('HGET', KEYS[1], 'rec')
redis.call('DEL', KEYS[1])
return rec
