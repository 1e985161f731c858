-- KEYS: the session index, sessions used again and sessions used once (sorted sets: session -> last use), and the
-- eviction count (hash). ARGV: id, now, max, idleMs, ttlMs, ISO time. As the memory store: never refuses; at the cap
-- it evicts the least recently used session if idle for idleMs, else the oldest used once, else the least recently
-- used. 1: admitted; else the id of the session evicted to make room (its keys to be dropped).
local now = tonumber(ARGV[2])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], now, ARGV[1]); return 1 end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then redis.call('ZREM', KEYS[2], ARGV[1]); redis.call('ZADD', KEYS[1], now, ARGV[1]); return 1 end
local stale = now - tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', stale); redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', stale)
if redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[3]) then redis.call('ZADD', KEYS[2], now, ARGV[1]); return 1 end
local used = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local once = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local lru, lruKey = once, KEYS[2]
if #used > 0 and (#once == 0 or tonumber(once[2]) > tonumber(used[2])) then lru, lruKey = used, KEYS[1] end
local victim, from = lru[1], lruKey
if now - tonumber(lru[2]) < tonumber(ARGV[4]) and #once > 0 then victim, from = once[1], KEYS[2] end
redis.call('ZREM', from, victim)
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('HINCRBY', KEYS[3], 'count', 1)
redis.call('HSET', KEYS[3], 'session', victim, 'at', ARGV[6])
return victim
