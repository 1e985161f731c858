-- KEYS: lock. ARGV: token. Lets go of the lock if this token still holds it.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
