-- KEYS: collection, meta, keys. ARGV: key, json, limit, ttl, maxBytes. The session's bytes after the write; -1 when a
-- new record would pass the record limit, -2 when the session's records would pass maxBytes (a record's JSON is never
-- empty: a length of 0 is a new key).
local old = redis.call('HSTRLEN', KEYS[1], ARGV[1])
if old == 0 and tonumber(redis.call('HGET', KEYS[2], 'records') or '0') >= tonumber(ARGV[3]) then return -1 end
local grow = string.len(ARGV[2]) - old
if grow > 0 and tonumber(redis.call('HGET', KEYS[2], 'bytes') or '0') + grow > tonumber(ARGV[5]) then return -2 end
if old == 0 then redis.call('HINCRBY', KEYS[2], 'records', 1) end
redis.call('HINCRBY', KEYS[2], 'bytes', grow)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], KEYS[1]); expire_with(KEYS[1], KEYS[2], ARGV[4])
return tonumber(redis.call('HGET', KEYS[2], 'bytes'))
