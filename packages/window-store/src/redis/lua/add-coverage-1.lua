-- Adds one ingest batch's telemetry coverage in one step (docs/operations.md#telemetry-coverage).
-- KEYS[1]: the hour's hash of counters; KEYS[2]: the list of recent look-alike examples.
-- ARGV: ttl seconds, examples kept, n, then n pairs of field and count, then the examples (JSON).
local ttl = tonumber(ARGV[1])
local kept = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
for i = 0, n - 1 do
  redis.call('HINCRBY', KEYS[1], ARGV[4 + 2 * i], ARGV[5 + 2 * i])
end
if n > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
end
local first = 4 + 2 * n
if #ARGV >= first then
  for i = first, #ARGV do
    redis.call('LPUSH', KEYS[2], ARGV[i])
  end
  redis.call('LTRIM', KEYS[2], 0, kept - 1)
  redis.call('EXPIRE', KEYS[2], ttl)
end
return n
