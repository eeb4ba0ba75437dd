--[[
  Releases a dispatch lock, only if the caller still holds it (an expired lock may have been
  taken by another notifier since).
  KEYS[1] the lock; ARGV[1] the holder's token. Returns 1 when released.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
