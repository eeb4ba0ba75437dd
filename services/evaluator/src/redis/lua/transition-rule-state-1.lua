--[[
  Moves one (rule, series) state forward, if nobody else did since the caller read it.

  KEYS[1]  the series' rule-state hash (the series id is its hash tag)
  ARGV[1]  rule id
  ARGV[2]  the version the caller read (0: no state yet)
  ARGV[3]  the new state (JSON)
  ARGV[4]  events to publish for this transition (JSON array), or "" for none
  ARGV[5]  now, ms (when the events were queued)

  Fields: "s:<rule>" = "<version>|<state JSON>"; "o:<rule>" = the outbox, one line per transition
  not yet published: "<queued at>|<events JSON>". State and outbox change in one atomic step, so a
  transition is decided once across evaluator replicas and its events are kept until published.

  Returns {1, new version} when written, {0, current version} when the version moved.
]]
local stateField = 's:' .. ARGV[1]
local current = redis.call('HGET', KEYS[1], stateField)
local version = 0
if current then version = tonumber(string.match(current, '^(%d+)|')) end
if version ~= tonumber(ARGV[2]) then
  return {0, version}
end
local nextVersion = version + 1
redis.call('HSET', KEYS[1], stateField, nextVersion .. '|' .. ARGV[3])
if ARGV[4] ~= '' then
  local outboxField = 'o:' .. ARGV[1]
  local line = ARGV[5] .. '|' .. ARGV[4]
  local queued = redis.call('HGET', KEYS[1], outboxField)
  if queued then line = queued .. '\n' .. line end
  redis.call('HSET', KEYS[1], outboxField, line)
end
return {1, nextVersion}
