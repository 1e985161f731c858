-- KEYS: a session's journal stream, its session's meta (the stream expires with the session: expire_with). ARGV: maxlen,
-- field, text, ttl, channel, published text. Adds one entry (field `r`: a record, `d`: delivery outcomes) and publishes
-- the record as it then stands to every instance. The entry's id.
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[2], ARGV[3])
expire_with(KEYS[1], KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return id
