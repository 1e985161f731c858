-- KEYS: as journal-total.lua's. ARGV: a session's stream. Forgets the session's count and what it lost; the records it was counted for.
local n = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if n > 0 then redis.call('HINCRBY', KEYS[4], 'records', -n) end
return n
