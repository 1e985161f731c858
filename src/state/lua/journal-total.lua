-- --journal-per-session and --journal-total across instances, by the rules of eviction.ts: a session over its own cap
-- gives up its own oldest; past the total, the largest session (most records; between equals, the one whose key sorts
-- last) gives up its oldest. KEYS: each session's record count (zset), its last append (zset), what it lost (hash), the
-- totals (hash: records, evicted). ARGV: --journal-total, --journal-per-session, now (ms), the session expiry (ms), then
-- (stream, records appended) pairs. Sessions that appended nothing for an expiry are dropped (their streams expired with
-- them), a few a run. Returns (stream, records to delete from its oldest) pairs: the streams live in other slots.
local maxTotal, maxPer, now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local records = tonumber(redis.call('HGET', KEYS[4], 'records') or '0')
for _, key in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - ttl, 'LIMIT', 0, 16)) do
  records = records - tonumber(redis.call('ZSCORE', KEYS[1], key) or '0')
  redis.call('ZREM', KEYS[1], key)
  redis.call('ZREM', KEYS[2], key)
  redis.call('HDEL', KEYS[3], key)
end
local trim, order, evicted = {}, {}, 0
local function drop(key, n)
  if not trim[key] then trim[key] = 0; order[#order + 1] = key end
  trim[key] = trim[key] + n
  redis.call('HINCRBY', KEYS[3], key, n)
  records = records - n
  evicted = evicted + n
end
for i = 5, #ARGV, 2 do
  local key, n = ARGV[i], tonumber(ARGV[i + 1])
  redis.call('ZADD', KEYS[2], now, key)
  local size = tonumber(redis.call('ZINCRBY', KEYS[1], n, key))
  records = records + n
  if size > maxPer then
    redis.call('ZINCRBY', KEYS[1], maxPer - size, key)
    drop(key, size - maxPer)
  end
end
while records > maxTotal do
  local top = redis.call('ZREVRANGE', KEYS[1], 0, 1, 'WITHSCORES')
  if not top[1] then records = maxTotal break end
  local size, second = tonumber(top[2]), tonumber(top[4] or '0')
  local n = math.min(records - maxTotal, size - second + 1, size)
  if n < size then redis.call('ZINCRBY', KEYS[1], -n, top[1]) else redis.call('ZREM', KEYS[1], top[1]) end
  drop(top[1], n)
end
redis.call('HSET', KEYS[4], 'records', records)
if evicted > 0 then redis.call('HINCRBY', KEYS[4], 'evicted', evicted) end
local out = {}
for _, key in ipairs(order) do out[#out + 1] = key; out[#out + 1] = trim[key] end
return out
