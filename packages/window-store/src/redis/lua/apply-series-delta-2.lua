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
  ARGV[7]  number of fine buckets F, then F groups of (8 + T) values:
           bucket index, slot, calls, errors, blocked expected, blocked unexpected, fallbacks,
           slow count per threshold (T values), sketch text ("bin:count;...")
  then     number of coarse buckets C, then C groups of the same shape

  Each ring slot is one field "b<slot>" holding
      "<index>,<calls>,<errors>,<blocked expected>,<blocked unexpected>,<fallbacks>,<slow 1..T>,<compacted>|<sketch>"
  The sketch may repeat a bin (readers add the counts): a delta is appended, and the text is only
  re-merged once it has grown past twice its last compacted length, so a write costs what the
  delta costs, not what the bucket already holds.

  Every hash is read with one HMGET and written with one HSET: calls from Lua into Redis cost
  more than the arithmetic between them.

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
local counterCount = 5 + thresholdCount
local groupSize = 3 + counterCount
local COMPACT_SLACK = 256

local function mergeSketchText(text)
  local bins = {}
  local order = {}
  for bin, count in string.gmatch(text, '(-?%d+):(%d+)') do
    local total = bins[bin]
    if total == nil then
      order[#order + 1] = bin
      bins[bin] = tonumber(count)
    else
      bins[bin] = total + tonumber(count)
    end
  end
  local parts = {}
  for i = 1, #order do parts[i] = order[i] .. ':' .. bins[order[i]] end
  return table.concat(parts, ';')
end

-- The bucket fields of the groups starting at ARGV[position].
local function bucketFields(position)
  local fields = {}
  local count = tonumber(ARGV[position])
  for i = 1, count do
    fields[i] = 'b' .. ARGV[position + 1 + (i - 1) * groupSize + 1]
  end
  return fields, count
end

-- Adds the bucket groups starting at ARGV[position] to the slot values in `held` (field -> text);
-- appends field/value pairs to `writes`. Returns the next position and the number dropped.
local function applyBuckets(position, fields, count, held, writes)
  local dropped = 0
  local base = position + 1
  for i = 1, count do
    local field = fields[i]
    local index = tonumber(ARGV[base])
    local current = held[field]
    local heldIndex = -1
    local counters = {}
    local sketch = ''
    local compacted = 0
    if current then
      local head, text = string.match(current, '^([^|]*)|(.*)$')
      local values = {}
      for number in string.gmatch(head, '[^,]+') do values[#values + 1] = tonumber(number) end
      heldIndex = values[1]
      if heldIndex == index then
        for k = 1, counterCount do counters[k] = values[k + 1] end
        compacted = values[counterCount + 2]
        sketch = text
      end
    end
    if heldIndex > index then
      dropped = dropped + 1
    else
      if heldIndex < index then
        for k = 1, counterCount do counters[k] = 0 end
      end
      for k = 1, counterCount do counters[k] = counters[k] + tonumber(ARGV[base + 1 + k]) end
      local delta = ARGV[base + 2 + counterCount]
      if delta ~= '' then
        if sketch == '' then
          sketch = delta
          compacted = #delta
        else
          sketch = sketch .. ';' .. delta
          if #sketch > 2 * compacted + COMPACT_SLACK then
            sketch = mergeSketchText(sketch)
            compacted = #sketch
          end
        end
      end
      local value = index .. ',' .. table.concat(counters, ',') .. ',' .. compacted .. '|' .. sketch
      held[field] = value
      writes[#writes + 1] = field
      writes[#writes + 1] = value
    end
    base = base + groupSize
  end
  return base, dropped
end

local fineFields, fineCount = bucketFields(7)
local coarsePosition = 8 + fineCount * groupSize
local coarseFields, coarseCount = bucketFields(coarsePosition)

local coarseRead = {fenceField}
for i = 1, coarseCount do coarseRead[i + 1] = coarseFields[i] end
local coarseValues = redis.call('HMGET', coarseKey, unpack(coarseRead))
local current = tonumber(coarseValues[1] or '-1')
if current ~= expectedFence then
  return {-1, current}
end

local fineHeld = {}
if fineCount > 0 then
  local fineValues = redis.call('HMGET', fineKey, unpack(fineFields))
  for i = 1, fineCount do fineHeld[fineFields[i]] = fineValues[i] end
end
local coarseHeld = {}
for i = 1, coarseCount do coarseHeld[coarseFields[i]] = coarseValues[i + 1] end

local fineWrites = {}
local _, droppedFine = applyBuckets(7, fineFields, fineCount, fineHeld, fineWrites)
local coarseWrites = {fenceField, newFence}
local _, droppedCoarse = applyBuckets(coarsePosition, coarseFields, coarseCount, coarseHeld, coarseWrites)

if #fineWrites > 0 then redis.call('HSET', fineKey, unpack(fineWrites)) end
redis.call('HSET', coarseKey, unpack(coarseWrites))
redis.call('PEXPIRE', fineKey, fineTtl)
redis.call('PEXPIRE', coarseKey, coarseTtl)
return {1, droppedFine + droppedCoarse}
