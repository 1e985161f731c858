-- KEYS: the bytes hash, the sessions used again, used once (redis-store-bytes.ts). The sum of the entries of sessions
-- still held; the others are removed.
local total = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if redis.call('ZSCORE', KEYS[2], all[i]) or redis.call('ZSCORE', KEYS[3], all[i]) then total = total + tonumber(all[i + 1])
  else redis.call('HDEL', KEYS[1], all[i]) end
end
return total
