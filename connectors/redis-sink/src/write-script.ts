import type { Redis, Result } from 'ioredis';

/**
 * Applies one key-mode change atomically (hash and json modes).
 * KEYS: the data key, the LSN side hash. ARGV: the type the key must have ("hash" | "string"), "set" | "del",
 * the LSN ("" = unguarded), the TTL in ms ("0" = none), "1" to record the LSN ("0" for snapshot reads, see
 * plan.ts), then the hash's field/value pairs or the JSON text.
 *
 * - LSN guard: when the side hash holds a higher LSN for this key, the change is older than what is written:
 *   skip it (returns 0). Equal LSNs apply (a replay of the same record, or a delete and its tombstone).
 *   LSNs are decimal strings up to 2^64, beyond Lua's doubles: compared by length, then as text.
 * - A key of another type is someone else's data: never replaced, the record fails with WRONGTYPE.
 * - hash: DEL then HSET, so the hash holds exactly the row's non-null columns (no stale fields).
 */
export const WRITE_LUA = `
local key, lsnKey = KEYS[1], KEYS[2]
local want, action, lsn, ttl, record = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
if lsn ~= '' then
  local stored = redis.call('HGET', lsnKey, key)
  if stored and (#stored > #lsn or (#stored == #lsn and stored > lsn)) then return 0 end
end
local t = redis.call('TYPE', key)['ok']
if t ~= 'none' and t ~= want then
  return redis.error_reply('WRONGTYPE key "' .. key .. '" holds a ' .. t .. ', not a ' .. want .. '; the sink never replaces it')
end
if action == 'del' then
  redis.call('DEL', key)
elseif want == 'hash' then
  redis.call('DEL', key)
  if #ARGV > 5 then redis.call('HSET', key, unpack(ARGV, 6)) end
else
  redis.call('SET', key, ARGV[6])
end
if action ~= 'del' and ttl > 0 then redis.call('PEXPIRE', key, ttl) end
if lsn ~= '' and record == '1' then redis.call('HSET', lsnKey, key, lsn) end
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** See WRITE_LUA. Resolves to 1 when applied, 0 when skipped as stale. */
    tributaryRedisSinkWrite(
      key: string,
      lsnKey: string,
      ...args: Array<string | Buffer>
    ): Result<number, Context>;
  }
}

/** Registers the script as a command; ioredis sends EVAL once per connection, then EVALSHA. */
export function defineWriteScript(redis: Redis): void {
  redis.defineCommand('tributaryRedisSinkWrite', { numberOfKeys: 2, lua: WRITE_LUA });
}
