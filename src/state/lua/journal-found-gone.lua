-- KEYS: what sessions lost, the totals (journal-total.lua's). ARGV: a stream, records journal-total.lua counted as
-- evicted from it that journal-trim.lua did not find (gone already).
redis.call('HINCRBY', KEYS[2], 'evicted', -tonumber(ARGV[2]))
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 and redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[2])) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1
