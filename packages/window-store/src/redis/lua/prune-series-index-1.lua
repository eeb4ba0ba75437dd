--[[
  Takes the series last written before a cutoff off an active-series index, at most a batch at a
  time, and returns them: the first step of forgetting quiet series. The caller then deletes their
  keys with forget-series-keys-1.lua (another slot per series, so another step).

  KEYS[1]  the index: a sorted set of series ids scored by last write time, ms
  ARGV[1]  the cutoff, ms: members scored below it go
  ARGV[2]  at most this many go, so one call stays short however much has piled up

  One key, one slot, one atomic step: a concurrent write's ZADD (a score past the cutoff) either
  came first and keeps its series here, or comes after and puts it back.

  Returns the ids taken off, oldest first.
]]
local quiet = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #quiet > 0 then redis.call('ZREM', KEYS[1], unpack(quiet)) end
return quiet
