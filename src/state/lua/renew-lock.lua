-- KEYS: lock, wait. ARGV: token, lockTtl, owner. Extends a held lock: -1 when it is no longer this token's; 1 when another instance waits.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local w = redis.call('GET', KEYS[2])
if w and w ~= ARGV[3] then return 1 end
return 0
