-- KEYS: lock, wait, meta, keys, journal, then the collections written. ARGV: token, owner, sessionTtl, then the
-- lease's writes: p C k json | d C k | m field value (C: the collection's KEYS index).
-- Applied only while the token holds the lock (-1 otherwise); else {1 when another instance waits for it, else 0; the session's bytes}.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local left = redis.call('PTTL', KEYS[3])
local i = 4
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'p' then
    local k = KEYS[tonumber(ARGV[i + 1])]
    local old = redis.call('HSTRLEN', k, ARGV[i + 2])
    if redis.call('HSET', k, ARGV[i + 2], ARGV[i + 3]) == 1 then redis.call('HINCRBY', KEYS[3], 'records', 1) end
    redis.call('HINCRBY', KEYS[3], 'bytes', string.len(ARGV[i + 3]) - old)
    redis.call('SADD', KEYS[4], k); expire_with(k, KEYS[3], ARGV[3], left)
    i = i + 4
  elseif op == 'd' then
    local k = KEYS[tonumber(ARGV[i + 1])]
    local old = redis.call('HSTRLEN', k, ARGV[i + 2])
    if redis.call('HDEL', k, ARGV[i + 2]) == 1 then redis.call('HINCRBY', KEYS[3], 'records', -1); redis.call('HINCRBY', KEYS[3], 'bytes', -old) end
    i = i + 3
  else
    redis.call('HSET', KEYS[3], ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  end
end
renew(KEYS[3], KEYS[4], KEYS[5], ARGV[3], left)
local w = redis.call('GET', KEYS[2])
return {(w and w ~= ARGV[2]) and 1 or 0, redis.call('HGET', KEYS[3], 'bytes') or '0'}
