-- KEYS: meta, keys, then the seed's collections. ARGV: ttl, force (1: reset), then (collection's KEYS index, key,
-- json) triples. Writes the seed unless present. (The keys it deletes first are the session's key set's members.)
if ARGV[2] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', k) end
redis.call('DEL', KEYS[1], KEYS[2])
local n, b = 0, 0
for i = 3, #ARGV, 3 do
  local k = KEYS[tonumber(ARGV[i])]
  redis.call('HSET', k, ARGV[i + 1], ARGV[i + 2]); redis.call('SADD', KEYS[2], k); redis.call('PEXPIRE', k, ARGV[1]); n = n + 1; b = b + string.len(ARGV[i + 2])
end
redis.call('HSET', KEYS[1], 'clock', '0', 'records', n, 'bytes', b)
redis.call('PEXPIRE', KEYS[1], ARGV[1]); redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
