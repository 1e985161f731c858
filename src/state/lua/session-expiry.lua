-- A session's expiry, the one rule every script follows (prepended to the scripts that use it, lua-scripts.ts): all
-- its keys (meta, the keys set, the journal, every collection) expire at the same moment, so a session expires whole.
-- No record outlives its session (a new session of that id would find it) and none expires before it (the session
-- would lose its seed data). Renewing means setting every key to the full TTL; a session used again is renewed only
-- once its meta has lost a sixteenth of the TTL (90 minutes at the default day), not on every call, which would cost
-- one PEXPIRE per collection per call. A key created between renewals gets the meta's remaining time.

-- Renews every key of the session when its meta (`left`: its PTTL, read now when not given) has lost a sixteenth of the TTL.
local function renew(meta, keys, journal, ttl, left)
  if (left or redis.call('PTTL', meta)) < tonumber(ttl) * 15 / 16 then
    for _, k in ipairs(redis.call('SMEMBERS', keys)) do redis.call('PEXPIRE', k, ttl) end
    redis.call('PEXPIRE', meta, ttl); redis.call('PEXPIRE', keys, ttl); redis.call('PEXPIRE', journal, ttl)
  end
end

-- A key given its session's expiry when it has none (it is new): `left`, the meta's remaining time (its PTTL, read
-- only then when not given), or the full TTL when the meta has none. A key that has an expiry already has the session's.
local function expire_with(key, meta, ttl, left)
  if redis.call('PTTL', key) == -1 then
    local ms = left or redis.call('PTTL', meta)
    redis.call('PEXPIRE', key, ms > 0 and ms or ttl)
  end
end

