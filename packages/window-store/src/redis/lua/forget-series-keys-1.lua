--[[
  Deletes one quiet series' keys, unless it was written since the cutoff: the second step of
  forgetting quiet series, after prune-series-index-1.lua took it off its index.

  KEYS[1]  fine counter ring
  KEYS[2]  fine sketch hash
  KEYS[3]  coarse counter ring
  KEYS[4]  coarse sketch hash, with the last write time
  The keys of apply-series-delta-4.lua, in its order: one hash tag, one Redis Cluster slot.

  ARGV[1]  last write field, "lastWriteMs"
  ARGV[2]  the cutoff, ms: a series last written before it is forgotten

  A write that raced with forgetting (it came after the index was pruned, and put the series back
  there) set the last write time past the cutoff, so its counts stay. Keys without a last write
  time (already expired, or written by a release that did not record it) are left to their TTL.

  Returns 1 when the keys were deleted, 0 when they were kept (written since), -1 when there was
  no last write time. With 1 or -1 the series is gone, and its admission is freed.
]]
local lastWrite = tonumber(redis.call('HGET', KEYS[4], ARGV[1]))
if lastWrite == nil then
  return -1
end
if lastWrite >= tonumber(ARGV[2]) then
  return 0
end
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 1
