import type { Measurement, Metric } from '../harness/measurement';

export interface Cell {
  scenario: string;
  client: string;
  size: number | null;
  note: string;
}

interface Row extends Cell {
  samples: Map<Metric, number[]>;
  rssMb: number[];
}

/** Collects one sample per repeat per (scenario, client, size) and turns them into Tributary Measurements. */
export class Cells {
  private readonly rows = new Map<string, Row>();

  add(cell: Cell, values: Partial<Record<Metric, number>>, rssMb: number): void {
    const key = `${cell.scenario}|${cell.client}|${cell.size}`;
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = { ...cell, samples: new Map(), rssMb: [] }));
    for (const [metric, v] of Object.entries(values) as [Metric, number][]) {
      row.samples.set(metric, [...(row.samples.get(metric) ?? []), v]);
    }
    row.rssMb.push(rssMb);
    row.note = cell.note; // the last run's note (e.g. its client-lag figure) describes the cell
  }

  /** Adds a throughput run: msgs/s and MB/s (payload bytes, 1 MB = 10^6 B). */
  addThroughput(cell: Cell & { size: number }, records: number, seconds: number, rssMb: number): void {
    this.add(cell, { 'msgs/s': records / seconds, 'MB/s': (records * cell.size) / seconds / 1e6 }, rssMb);
  }

  measurements(): Measurement[] {
    return [...this.rows.values()].flatMap((r) =>
      [...r.samples].map(([metric, samples]) => ({
        scenario: r.scenario,
        system: 'tributary' as const,
        client: r.client,
        size: r.size,
        metric,
        samples,
        rssMb: r.rssMb,
        note: r.note,
      })),
    );
  }
}
