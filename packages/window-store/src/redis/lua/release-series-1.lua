--[[
  Frees the admission of forgotten series (see admit-series-1.lua for the keys): a tool series
  its slot on its server and in the total, a server rollup its server's tracking.

  KEYS[1]  admitted tool series
  KEYS[2]  tracked servers
  KEYS[3]  tracked unregistered servers

  ARGV[1..] per forgotten series: its id, and its server's rollup id ("" when it is the rollup)

  Returns how many tool series were freed.
]]
local freed = 0
for i = 1, #ARGV, 2 do
  local id, server = ARGV[i], ARGV[i + 1]
  if server == '' then
    redis.call('HDEL', KEYS[2], id)
    redis.call('SREM', KEYS[3], id)
  elseif redis.call('SREM', KEYS[1], id) == 1 then
    freed = freed + 1
    if redis.call('HEXISTS', KEYS[2], server) == 1 then
      redis.call('HINCRBY', KEYS[2], server, -1)
    end
  end
end
return freed
