-- KEYS: meta, keys, journal, lock, wait. Removes the whole session (a lease on it is lost: its next write is refused).
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', k) end
return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
