import { summarize, type Measurement, type System } from './measurement';
import { checkTargets } from './targets';

/** One `npm run bench` run, as written to `bench/results/<timestamp>.json`. */
export interface BenchRun {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; model: string; node: string; kernel: string; loadAtStart: number[] };
  settings: { repeats: number; records: number; sizes: number[] };
  measurements: Measurement[];
  /** Scenarios that failed: the run goes on without them and says so. */
  errors: { scenario: string; message: string }[];
}

const PEERS: { system: System; label: string }[] = [
  { system: 'redis-streams', label: 'Redis Streams' },
  { system: 'nats-jetstream', label: 'NATS JetStream' },
];

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (Math.abs(v) >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (Math.abs(v) >= 100) return v.toFixed(0);
  return v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
}

function cell(m: Measurement | undefined): string {
  if (!m) return '';
  const s = summarize(m.samples);
  return m.samples.length === 1 ? fmt(s.median) : `${fmt(s.min)} / **${fmt(s.median)}** / ${fmt(s.max)}`;
}

function ratio(a: Measurement | undefined, b: Measurement | undefined): string {
  if (!a || !b) return '';
  const x = summarize(a.samples).median;
  const y = summarize(b.samples).median;
  return y > 0 ? `${(x / y).toFixed(2)}×` : '';
}

function rss(m: Measurement | undefined): string {
  return m?.rssMb && m.rssMb.length > 0 ? `${Math.round(Math.max(...m.rssMb))} MB` : '';
}

const sizeText = (size: number | null): string =>
  size === null ? '' : size >= 1024 ? `${size / 1024} KiB` : `${size} B`;

/** The run as markdown: side by side with ratios, shares of the machine's limits, and the targets. */
export function toMarkdown(run: BenchRun): string {
  const ms = run.measurements;
  const ours = ms.filter((m) => m.system === 'tributary');
  const peerOf = (m: Measurement, system: System) =>
    ms.find(
      (x) => x.system === system && x.scenario === m.scenario && x.size === m.size && x.metric === m.metric,
    );
  const lines: string[] = [
    `# Benchmarks, ${run.startedAt}`,
    '',
    `${run.machine.cpus} × ${run.machine.model}, Node ${run.machine.node}, Linux ${run.machine.kernel}; load average at start ` +
      `${run.machine.loadAtStart.map((l) => l.toFixed(2)).join(' ')}. Client and servers share the machine. ` +
      `${run.settings.repeats} runs per cell: min / **median** / max. Ratios compare medians of the same run; ` +
      'for latencies (ms) lower is better, so a ratio below 1× is Tributary ahead.',
    '',
    '## Side by side',
    '',
    `| scenario | size | metric | Tributary | client | ${PEERS.map((p) => p.label).join(' | ')} | ${PEERS.map((p) => `Tributary / ${p.label}`).join(' | ')} | Tributary RSS |`,
    `|---|---|---|---|---|${PEERS.map(() => '---|').join('')}${PEERS.map(() => '---|').join('')}---|`,
  ];
  for (const m of ours) {
    const peers = PEERS.map((p) => peerOf(m, p.system));
    lines.push(
      `| ${m.scenario} | ${sizeText(m.size)} | ${m.metric} | ${cell(m)} | ${m.client} | ${peers.map(cell).join(' | ')} | ${peers
        .map((p) => ratio(m, p))
        .join(' | ')} | ${rss(m)} |`,
    );
  }
  const peerOnly = ms.filter(
    (m) =>
      m.system !== 'tributary' &&
      m.system !== 'machine' &&
      !ours.some((o) => o.scenario === m.scenario && o.size === m.size && o.metric === m.metric),
  );
  for (const m of peerOnly)
    lines.push(
      `| ${m.scenario} | ${sizeText(m.size)} | ${m.metric} | | | ${PEERS.map((p) => (p.system === m.system ? cell(m) : '')).join(' | ')} | | | |`,
    );

  const limits = ms.filter((m) => m.system === 'machine');
  if (limits.length > 0) {
    lines.push(
      '',
      "## Against this machine's limits",
      '',
      '| limit | MB/s |',
      '|---|---|',
      ...limits.map((l) => `| ${l.scenario} (${l.note ?? l.client}) | ${cell(l)} |`),
      '',
      '| Tributary figure (MB/s) | limit | limit MB/s | share |',
      '|---|---|---|---|',
    );
    const disk = limits.find((m) => m.scenario === 'sequential write fdatasync');
    const tcp = limits.find((m) => m.scenario === 'loopback tcp');
    for (const m of ours.filter((x) => x.metric === 'MB/s')) {
      const limit = /fsync/.test(m.scenario) ? disk : tcp;
      if (!limit) continue;
      lines.push(
        `| ${m.scenario}, ${sizeText(m.size)}, ${m.client}: ${cell(m)} | ${limit.scenario} | ${cell(limit)} | ${ratio(m, limit)} |`,
      );
    }
  }

  lines.push(
    '',
    '## Targets (2-core machine, client and broker sharing it)',
    '',
    '| target | bound | this run (median) | met |',
    '|---|---|---|---|',
  );
  for (const r of checkTargets(ms)) {
    const t = r.target;
    const bound = `${t.kind === 'min' ? '≥' : '≤'} ${t.peer ? `${t.bound}× ${t.peer}` : `${fmt(t.bound)} ${t.metric}`}`;
    const value =
      r.value === null ? 'not measured' : t.peer ? `${r.value.toFixed(2)}×` : `${fmt(r.value)} ${t.metric}`;
    lines.push(`| ${t.label} | ${bound} | ${value} | ${r.met === null ? '-' : r.met ? 'yes' : '**no**'} |`);
  }
  const produce = ours.find((m) => m.scenario === 'produce acks=1' && m.client === 'kcat' && m.rssMb);
  if (produce)
    lines.push(
      `| broker RSS while producing (acks=1) | ≤ 300 MB | ${rss(produce)} | ${Math.max(...produce.rssMb!) <= 300 ? 'yes' : '**no**'} |`,
    );

  const served = ours.filter((m) => m.scenario.startsWith('serve a ') && m.rssMb);
  if (served.length >= 2) {
    const [small, big] = [served[0]!, served[served.length - 1]!];
    const [a, b] = [Math.max(...small.rssMb!), Math.max(...big.rssMb!)];
    // "The same RSS": within 20% plus 20 MB of noise (GC timing, socket buffers).
    lines.push(
      `| broker RSS does not grow with data on disk (${big.scenario.slice(6)} vs ${small.scenario.slice(6)}) | same | ${Math.round(b)} vs ${Math.round(a)} MB | ${b <= a * 1.2 + 20 ? 'yes' : '**no**'} |`,
    );
  }

  const notes = ms.filter((m) => m.note);
  if (notes.length > 0) {
    lines.push('', '## Notes', '');
    const seen = new Set<string>();
    for (const m of notes) {
      const line = `- ${m.system} ${m.scenario} (${m.client}): ${m.note}`;
      if (!seen.has(line)) lines.push(line);
      seen.add(line);
    }
  }
  if (run.errors.length > 0) {
    lines.push('', '## Scenarios that failed in this run', '');
    for (const e of run.errors) lines.push(`- ${e.scenario}: ${e.message}`);
  }
  return `${lines.join('\n')}\n`;
}

const COLORS: Record<System, string> = {
  tributary: '#2b6cb0',
  'redis-streams': '#c53030',
  'nats-jetstream': '#2f855a',
  machine: '#718096',
};

/** Grouped bars of the throughput medians (MB/s), one group per scenario and size, one bar per system. */
export function toSvg(run: BenchRun): string {
  const ms = run.measurements.filter(
    (m) => m.metric === 'MB/s' && (m.client === 'kcat' || m.system !== 'tributary'),
  );
  const groups = [
    ...new Set(ms.map((m) => `${m.scenario}${m.size === null ? '' : `, ${sizeText(m.size)}`}`)),
  ];
  const bar = 16;
  const gap = 14;
  const left = 260;
  const width = 900;
  const max = Math.max(1, ...ms.map((m) => summarize(m.samples).median));
  const rows: string[] = [];
  let y = 40;
  for (const g of groups) {
    const inGroup = ms.filter((m) => `${m.scenario}${m.size === null ? '' : `, ${sizeText(m.size)}`}` === g);
    rows.push(
      `<text x="${left - 8}" y="${y + (inGroup.length * bar) / 2 + 4}" text-anchor="end">${escapeXml(g)}</text>`,
    );
    for (const m of inGroup) {
      const v = summarize(m.samples).median;
      const w = Math.max(1, ((width - left - 120) * v) / max);
      rows.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 3}" fill="${COLORS[m.system]}"/>`,
        `<text x="${left + w + 6}" y="${y + bar - 5}">${fmt(v)} MB/s</text>`,
      );
      y += bar;
    }
    y += gap;
  }
  const legend = (Object.keys(COLORS) as System[])
    .map(
      (s, i) =>
        `<rect x="${left + i * 150}" y="12" width="12" height="12" fill="${COLORS[s]}"/><text x="${left + i * 150 + 18}" y="22">${s}</text>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="12">`,
    `<text x="8" y="22" font-weight="bold">MB/s, median of ${run.settings.repeats}</text>`,
    legend,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
