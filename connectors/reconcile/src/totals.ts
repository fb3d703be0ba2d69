import type { KeyState, Side } from './key-state';
import type { Category, Rates, Totals } from './report-types';

/**
 * Running totals, kept equal to a count over the key states: every change of a key goes through `remove` then
 * `add`, and a restart rebuilds them by adding each restored key. So they can never drift from the state.
 */
export class RunningTotals {
  private readonly byCategory: Record<Category, number> = {
    pending: 0,
    matched: 0,
    'missing-right': 0,
    'missing-left': 0,
    'field-mismatch': 0,
  };
  private duplicates = 0;
  private stale = 0;
  private late = 0;
  private keys = 0;
  readonly events: Record<Side, number> = { left: 0, right: 0 };
  private readonly fields = new Map<string, number>();

  add(s: KeyState): void {
    this.apply(s, 1);
  }

  remove(s: KeyState): void {
    this.apply(s, -1);
  }

  private apply(s: KeyState, sign: 1 | -1): void {
    this.keys += sign;
    this.byCategory[s.category] += sign;
    this.duplicates += sign * s.duplicates;
    this.stale += sign * s.stale;
    if (s.late) this.late += sign;
    this.events.left += sign * (s.left?.e ?? 0);
    this.events.right += sign * (s.right?.e ?? 0);
    if (s.category === 'field-mismatch') {
      for (const f of s.diffFields) {
        const n = (this.fields.get(f) ?? 0) + sign;
        if (n === 0) this.fields.delete(f);
        else this.fields.set(f, n);
      }
    }
  }

  totals(): Totals {
    const c = this.byCategory;
    return {
      pending: c.pending,
      matched: c.matched,
      missingRight: c['missing-right'],
      missingLeft: c['missing-left'],
      fieldMismatch: c['field-mismatch'],
      duplicate: this.duplicates,
      late: this.late,
      stale: this.stale,
      keys: this.keys,
    };
  }

  rates(): Rates {
    const t = this.totals();
    const bad = t.missingRight + t.missingLeft + t.fieldMismatch;
    const compared = t.matched + bad;
    return {
      compared,
      matchRate: compared === 0 ? 0 : t.matched / compared,
      mismatchRate: compared === 0 ? 0 : bad / compared,
    };
  }

  topFields(limit = 20): { field: string; count: number }[] {
    return [...this.fields]
      .map(([field, count]) => ({ field, count }))
      .sort((a, b) => b.count - a.count || a.field.localeCompare(b.field))
      .slice(0, limit);
  }
}
