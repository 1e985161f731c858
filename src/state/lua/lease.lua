-- KEYS: lock, wait, meta, keys, journal. ARGV: token, lockTtl, owner, sessionTtl.
-- The session's lock for this token and its meta hash (renewing the session's expiry), whose `owner` is the
-- instance that took the lock before (this one is noted for the next); nil when another holds it (noting that
-- this owner waits); 0 when the session must be seeded first.
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]); return false end
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
renew(KEYS[3], KEYS[4], KEYS[5], ARGV[4])
local meta = redis.call('HGETALL', KEYS[3])
redis.call('HSET', KEYS[3], 'owner', ARGV[3])
return meta
