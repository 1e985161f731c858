-- KEYS: meta, keys, journal. ARGV: ttl. The session's clock offset, its expiry renewed; nil when absent.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
renew(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return redis.call('HGET', KEYS[1], 'clock') or '0'
