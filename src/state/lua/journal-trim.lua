-- KEYS: a session's journal stream. ARGV: n. Deletes its n oldest records (and the delivery entries among them); how many it found.
local n, deleted = tonumber(ARGV[1]), 0
while deleted < n do
  local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', math.min(n - deleted, 1000))
  if #entries == 0 then break end
  local ids = {}
  for _, e in ipairs(entries) do
    if deleted >= n then break end
    ids[#ids + 1] = e[1]
    if e[2][1] == 'r' then deleted = deleted + 1 end
  end
  redis.call('XDEL', KEYS[1], unpack(ids))
end
return deleted
