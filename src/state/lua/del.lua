-- KEYS: collection, meta. ARGV: key. The session's bytes after the delete; -1 when there was no such record.
local old = redis.call('HSTRLEN', KEYS[1], ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[2], 'records', -1); return redis.call('HINCRBY', KEYS[2], 'bytes', -old) end
return -1
