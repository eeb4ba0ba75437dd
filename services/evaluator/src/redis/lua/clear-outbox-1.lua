--[[
  Drops the outbox lines a publisher has put on Kafka; lines queued meanwhile stay.

  KEYS[1]  the series' rule-state hash
  ARGV[1]  rule id
  ARGV[2]  the outbox as the publisher read it (the lines it published)

  Returns the number of bytes left in the outbox (0: emptied), or -1 when the outbox no longer
  starts with what was published (someone else published it).
]]
local field = 'o:' .. ARGV[1]
local current = redis.call('HGET', KEYS[1], field)
if not current or string.sub(current, 1, #ARGV[2]) ~= ARGV[2] then
  return -1
end
local rest = string.sub(current, #ARGV[2] + 2)
if rest == '' then
  redis.call('HDEL', KEYS[1], field)
  return 0
end
redis.call('HSET', KEYS[1], field, rest)
return #rest
