--[[
  Adds one batch's counters to one series, exactly once per Kafka partition position.

  KEYS[1]  fine counter ring   (1-minute buckets, string)
  KEYS[2]  fine sketch hash
  KEYS[3]  coarse counter ring (5-minute buckets, string)
  KEYS[4]  coarse sketch hash; also holds the offset fences and the last write time
  All keys carry the series id as hash tag, so they share a Redis Cluster slot.

  ARGV[1]  fence field, "o:<topic>:<partition>"
  ARGV[2]  the fence the caller read (last applied offset, -1 for none)
  ARGV[3]  the new fence: the last offset of the batch
  ARGV[4]  TTL of the fine keys, ms
  ARGV[5]  TTL of the coarse keys, ms
  ARGV[6]  number of latency thresholds T
  ARGV[7]  slots in the fine ring
  ARGV[8]  slots in the coarse ring
  ARGV[9]  last write field, "lastWriteMs"
  ARGV[10] the write time, ms (the writer's clock): forget-series-keys-1.lua keeps a series
           written since its cutoff, so forgetting never drops a write that raced with it
  ARGV[11] number of fine buckets F, then F groups of (8 + T) values:
           bucket index, slot, calls, errors, blocked expected, blocked unexpected, fallbacks,
           slow count per threshold (T values), sketch text ("bin:count;...")
  then     number of coarse buckets C, then C groups of the same shape

  A counter ring is a string of fixed-width slots: slot s starts at byte s * 4 * (6 + T) and holds
  the bucket index then the counters (calls, errors, blocked expected, blocked unexpected,
  fallbacks, slow 1..T), each an unsigned 32-bit little-endian integer (saturating: a bucket of
  one series would need 14 million calls a second for five minutes to reach it). An index of 0
  (never a real bucket) marks an empty slot. A sweep reads a whole ring with one GET and no parsing of text:
  that is what keeps evaluating 10,000 series inside two seconds.

  Sketches are display-only and read far less often, so they live apart, one hash field per slot:
      "s<slot>" = "<index>,<compacted>|<sketch>"
  The sketch may repeat a bin (readers add the counts): a delta is appended, and the text is only
  re-merged once it has grown past twice its last compacted length, so a write costs what the
  delta costs, not what the bucket already holds.

  Returns {1, dropped} when applied (dropped = buckets already overwritten by newer ones),
          {-1, current} when the fence moved since the caller read it (nothing written).
]]
local fineCounts = KEYS[1]
local fineSketches = KEYS[2]
local coarseCounts = KEYS[3]
local coarseSketches = KEYS[4]
local fenceField = ARGV[1]
local expectedFence = tonumber(ARGV[2])
local newFence = ARGV[3]
local fineTtl = ARGV[4]
local coarseTtl = ARGV[5]
local thresholdCount = tonumber(ARGV[6])
local fineSlots = tonumber(ARGV[7])
local coarseSlots = tonumber(ARGV[8])
local lastWriteField = ARGV[9]
local writtenAt = ARGV[10]
local FINE_POSITION = 11
local counterCount = 5 + thresholdCount
local groupSize = 3 + counterCount
local slotFormat = '<' .. string.rep('I4', 1 + counterCount)
local slotBytes = 4 * (1 + counterCount)
local COMPACT_SLACK = 256
local MAX_COUNT = 4294967295

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

-- The sketch fields of the groups with a non-empty sketch delta, starting at ARGV[position].
local function sketchFields(position)
  local fields = {}
  local count = tonumber(ARGV[position])
  for i = 1, count do
    local base = position + 1 + (i - 1) * groupSize
    if ARGV[base + groupSize - 1] ~= '' then fields[#fields + 1] = 's' .. ARGV[base + 1] end
  end
  return fields, count
end

-- Adds the sketch delta to the held "index,compacted|sketch" text of the same bucket.
local function addSketch(held, index, delta)
  local sketch = ''
  local compacted = 0
  if held then
    local heldIndex, heldCompacted, text = string.match(held, '^(%d+),(%d+)|(.*)$')
    heldIndex = tonumber(heldIndex)
    if heldIndex > index then return nil end
    if heldIndex == index then
      compacted = tonumber(heldCompacted)
      sketch = text
    end
  end
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
  return index .. ',' .. compacted .. '|' .. sketch
end

-- Adds the bucket groups starting at ARGV[position] to one resolution's ring and sketches.
-- `heldSketches` maps sketch field -> held text; sketch writes go to `writes`. Returns the
-- number of buckets dropped because their slot already holds a newer bucket.
local function applyBuckets(position, count, countsKey, slots, heldSketches, writes)
  local dropped = 0
  -- A new ring is created at its full size: growing it slot by slot would let Redis reserve
  -- up to twice its length.
  if count > 0 and redis.call('EXISTS', countsKey) == 0 then
    redis.call('SETRANGE', countsKey, slots * slotBytes - 1, '\0')
  end
  local base = position + 1
  for _ = 1, count do
    local index = tonumber(ARGV[base])
    local slot = tonumber(ARGV[base + 1])
    local offset = slot * slotBytes
    local held = redis.call('GETRANGE', countsKey, offset, offset + slotBytes - 1)
    local values = {}
    if #held == slotBytes then values = { struct.unpack(slotFormat, held) } end
    local heldIndex = values[1] or 0
    if heldIndex > index then
      dropped = dropped + 1
    else
      local counters = {}
      for k = 1, counterCount do
        local before = 0
        if heldIndex == index then before = values[k + 1] end
        counters[k] = math.min(before + tonumber(ARGV[base + 1 + k]), MAX_COUNT)
      end
      redis.call('SETRANGE', countsKey, offset, struct.pack(slotFormat, index, unpack(counters)))
      local delta = ARGV[base + 2 + counterCount]
      if delta ~= '' then
        local field = 's' .. slot
        local value = addSketch(heldSketches[field], index, delta)
        if value then
          heldSketches[field] = value
          writes[#writes + 1] = field
          writes[#writes + 1] = value
        end
      end
    end
    base = base + groupSize
  end
  return dropped
end

local function readSketches(key, fields, prefix)
  local held = {}
  local start = #prefix
  local read = prefix
  for i = 1, #fields do read[start + i] = fields[i] end
  if #read == 0 then return held, {} end
  local values = redis.call('HMGET', key, unpack(read))
  for i = 1, #fields do held[fields[i]] = values[start + i] end
  return held, values
end

local fineFields, fineCount = sketchFields(FINE_POSITION)
local coarsePosition = FINE_POSITION + 1 + fineCount * groupSize
local coarseFields, coarseCount = sketchFields(coarsePosition)

-- The fence is read with the coarse sketches: one call.
local coarseHeld, coarseValues = readSketches(coarseSketches, coarseFields, { fenceField })
local current = tonumber(coarseValues[1] or '-1')
if current ~= expectedFence then
  return {-1, current}
end
local fineHeld = readSketches(fineSketches, fineFields, {})

local fineWrites = {}
local droppedFine = applyBuckets(FINE_POSITION, fineCount, fineCounts, fineSlots, fineHeld, fineWrites)
local coarseWrites = {fenceField, newFence, lastWriteField, writtenAt}
local droppedCoarse = applyBuckets(coarsePosition, coarseCount, coarseCounts, coarseSlots, coarseHeld, coarseWrites)

if #fineWrites > 0 then redis.call('HSET', fineSketches, unpack(fineWrites)) end
redis.call('HSET', coarseSketches, unpack(coarseWrites))
for _, key in ipairs({ fineCounts, fineSketches }) do redis.call('PEXPIRE', key, fineTtl) end
for _, key in ipairs({ coarseCounts, coarseSketches }) do redis.call('PEXPIRE', key, coarseTtl) end
return {1, droppedFine + droppedCoarse}
