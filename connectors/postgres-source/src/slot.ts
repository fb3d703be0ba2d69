import { ConnectorError } from '@tributary/connect-sdk';
import type { Client } from 'pg';
import { parseLsn } from './lsn';

export interface SlotState {
  exists: boolean;
  active: boolean;
  activePid: number | null;
  walStatus: string | null;
  plugin: string | null;
  database: string | null;
  confirmedFlush: number;
}

export async function inspectSlot(client: Client, slot: string): Promise<SlotState> {
  const { rows } = await client.query<{
    active: boolean;
    active_pid: number | null;
    wal_status: string | null;
    plugin: string | null;
    database: string | null;
    confirmed_flush_lsn: string | null;
    slot_type: string;
  }>(
    `SELECT active, active_pid, wal_status, plugin, database, confirmed_flush_lsn::text, slot_type
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const r = rows[0];
  if (!r) {
    return {
      exists: false,
      active: false,
      activePid: null,
      walStatus: null,
      plugin: null,
      database: null,
      confirmedFlush: 0,
    };
  }
  if (r.slot_type !== 'logical' || r.plugin !== 'pgoutput') {
    throw new ConnectorError(
      `replication slot "${slot}" exists but is a ${r.slot_type} slot with plugin ${r.plugin ?? 'none'}; ` +
        `this connector needs a logical pgoutput slot: choose another slot.name or drop it`,
    );
  }
  return {
    exists: true,
    active: r.active,
    activePid: r.active_pid,
    walStatus: r.wal_status,
    plugin: r.plugin,
    database: r.database,
    confirmedFlush: parseLsn(r.confirmed_flush_lsn),
  };
}

export function lostSlotError(slot: string): ConnectorError {
  return new ConnectorError(
    `replication slot "${slot}" is lost (wal_status = 'lost'): Postgres removed WAL it still needed ` +
      `(max_slot_wal_keep_size), so changes were missed. Set snapshot.mode to when_needed to drop and recreate ` +
      `the slot and re-snapshot, or drop it yourself ("SELECT pg_drop_replication_slot('${slot}');") and reset ` +
      `this connector's offsets`,
  );
}

/** Health figures for status(), from a normal connection. */
export interface SlotHealth {
  wal_status: string | null;
  retained_wal_bytes: number | null;
  lag_bytes: number | null;
  confirmed_flush_lsn: string | null;
  active_pid: number | null;
  checked_at: string;
}

export async function slotHealth(client: Client, slot: string): Promise<SlotHealth | null> {
  const { rows } = await client.query<{
    wal_status: string | null;
    retained: string | null;
    lag: string | null;
    confirmed: string | null;
    active_pid: number | null;
  }>(
    `SELECT wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained,
            pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag,
            confirmed_flush_lsn::text AS confirmed, active_pid
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    wal_status: r.wal_status,
    retained_wal_bytes: r.retained === null ? null : Number(r.retained),
    lag_bytes: r.lag === null ? null : Number(r.lag),
    confirmed_flush_lsn: r.confirmed,
    active_pid: r.active_pid,
    checked_at: new Date().toISOString(),
  };
}
