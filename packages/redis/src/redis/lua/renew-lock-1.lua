--[[
  Extends a dispatch lock, only if the caller still holds it.
  KEYS[1] the lock; ARGV[1] the holder's token; ARGV[2] new time to live, ms.
  Returns 1 when extended, 0 when the lock is gone or held by someone else.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
