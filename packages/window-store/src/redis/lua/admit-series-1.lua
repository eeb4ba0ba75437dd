--[[
  Decides where the calls of a batch's tool series count, within the cardinality caps: the
  decision of decideAdmission (packages/domain/src/cardinality/series-admission.ts), made here in
  one atomic step so that every ingest worker decides alike.

  KEYS[1]  admitted tool series: a set of series ids
  KEYS[2]  tracked servers: a hash, server rollup id -> tool series admitted on it
  KEYS[3]  tracked unregistered servers: a set of rollup ids
  One hash tag, one Redis Cluster slot.

  ARGV[1]  most tool series per server
  ARGV[2]  most tool series in total
  ARGV[3]  most unregistered servers tracked
  ARGV[4..] per series: its id, its server's rollup id, "1" if the server is unregistered else "0"

  Returns a verdict per series, in order: 0 admitted, 1 into its server's other series (tools per
  server), 2 the same (tool series in total), 3 into the overflow server (unregistered servers).
]]
local maxPerServer = tonumber(ARGV[1])
local maxTotal = tonumber(ARGV[2])
local maxUnregistered = tonumber(ARGV[3])
local toolSeries = redis.call('SCARD', KEYS[1])
local unregisteredServers = redis.call('SCARD', KEYS[3])
local verdicts = {}
for i = 4, #ARGV, 3 do
  local id, server, unregistered = ARGV[i], ARGV[i + 1], ARGV[i + 2] == '1'
  local verdict
  if redis.call('SISMEMBER', KEYS[1], id) == 1 then
    verdict = 0
  else
    local tools = tonumber(redis.call('HGET', KEYS[2], server))
    if tools == nil and unregistered and unregisteredServers >= maxUnregistered then
      verdict = 3
    else
      if tools == nil then
        tools = 0
        redis.call('HSET', KEYS[2], server, 0)
        if unregistered then
          redis.call('SADD', KEYS[3], server)
          unregisteredServers = unregisteredServers + 1
        end
      end
      if tools >= maxPerServer then
        verdict = 1
      elseif toolSeries >= maxTotal then
        verdict = 2
      else
        redis.call('SADD', KEYS[1], id)
        redis.call('HINCRBY', KEYS[2], server, 1)
        toolSeries = toolSeries + 1
        verdict = 0
      end
    end
  end
  verdicts[#verdicts + 1] = verdict
end
return verdicts
