--[[
  Adds one batch's counters to one series, exactly once per Kafka partition position.

  KEYS[1]  fine ring hash of the series   (1-minute buckets)
  KEYS[2]  coarse ring hash of the series (5-minute buckets); also holds the offset fences
  Both keys carry the series id as hash tag, so they share a Redis Cluster slot.

  ARGV[1]  fence field, "o:<topic>:<partition>"
  ARGV[2]  the fence the caller read (last applied offset, -1 for none)
  ARGV[3]  the new fence: the last offset of the batch
  ARGV[4]  TTL of the fine hash, ms
  ARGV[5]  TTL of the coarse hash, ms
  ARGV[6]  number of latency thresholds T
  ARGV[7]  number of fine buckets F, then F groups of (7 + T) values:
           bucket index, slot, calls, errors, blocked expected, blocked unexpected, fallbacks,
           slow count per threshold (T values), sketch text ("bin:count;...")
  then     number of coarse buckets C, then C groups of the same shape

  A slot stores the bucket index it holds in field t<slot>; counters: n<slot> calls, e errors,
  x blocked expected, u blocked unexpected, f fallbacks, s<slot>_<k> slow per threshold, h sketch.

  Returns {1, dropped} when applied (dropped = buckets already overwritten by newer ones),
          {-1, current} when the fence moved since the caller read it (nothing written).
]]
local fineKey = KEYS[1]
local coarseKey = KEYS[2]
local fenceField = ARGV[1]
local expectedFence = tonumber(ARGV[2])
local newFence = ARGV[3]
local fineTtl = ARGV[4]
local coarseTtl = ARGV[5]
local thresholdCount = tonumber(ARGV[6])

local current = tonumber(redis.call('HGET', coarseKey, fenceField) or '-1')
if current ~= expectedFence then
  return {-1, current}
end

local function mergeSketch(existing, delta)
  if existing == false or existing == '' then return delta end
  if delta == '' then return existing end
  local bins = {}
  local order = {}
  for text in string.gmatch(existing .. ';' .. delta, '[^;]+') do
    local bin, count = string.match(text, '^(-?%d+):(%d+)$')
    if bin then
      if bins[bin] == nil then
        bins[bin] = 0
        order[#order + 1] = bin
      end
      bins[bin] = bins[bin] + tonumber(count)
    end
  end
  local parts = {}
  for i = 1, #order do parts[i] = order[i] .. ':' .. bins[order[i]] end
  return table.concat(parts, ';')
end

local counterPrefixes = {'n', 'e', 'x', 'u', 'f'}

-- Applies the bucket groups starting at ARGV[position]; returns the next position and drops.
local function applyBuckets(key, position)
  local count = tonumber(ARGV[position])
  position = position + 1
  local dropped = 0
  for _ = 1, count do
    local index = tonumber(ARGV[position])
    local slot = ARGV[position + 1]
    local held = tonumber(redis.call('HGET', key, 't' .. slot) or '-1')
    if held > index then
      dropped = dropped + 1
    else
      if held < index then
        local stale = {'h' .. slot}
        for _, prefix in ipairs(counterPrefixes) do stale[#stale + 1] = prefix .. slot end
        for k = 1, thresholdCount do stale[#stale + 1] = 's' .. slot .. '_' .. k end
        redis.call('HDEL', key, unpack(stale))
        redis.call('HSET', key, 't' .. slot, index)
      end
      for i, prefix in ipairs(counterPrefixes) do
        local value = tonumber(ARGV[position + 1 + i])
        if value ~= 0 then redis.call('HINCRBY', key, prefix .. slot, value) end
      end
      for k = 1, thresholdCount do
        local value = tonumber(ARGV[position + 6 + k])
        if value ~= 0 then redis.call('HINCRBY', key, 's' .. slot .. '_' .. k, value) end
      end
      local sketch = ARGV[position + 7 + thresholdCount]
      if sketch ~= '' then
        redis.call('HSET', key, 'h' .. slot, mergeSketch(redis.call('HGET', key, 'h' .. slot), sketch))
      end
    end
    position = position + 8 + thresholdCount
  end
  return position, dropped
end

local next, droppedFine = applyBuckets(fineKey, 7)
local _, droppedCoarse = applyBuckets(coarseKey, next)

redis.call('HSET', coarseKey, fenceField, newFence)
redis.call('PEXPIRE', fineKey, fineTtl)
redis.call('PEXPIRE', coarseKey, coarseTtl)
return {1, droppedFine + droppedCoarse}
