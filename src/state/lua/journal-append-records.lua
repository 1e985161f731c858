-- KEYS: a session's journal stream, its session's meta. ARGV: maxlen, ttl, channel, then records (each added as field
-- `r` and published as it is). Their entry ids, in order.
local ids = {}
for i = 4, #ARGV do
  ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'r', ARGV[i])
  redis.call('PUBLISH', ARGV[3], ARGV[i])
end
expire_with(KEYS[1], KEYS[2], ARGV[2])
return ids
