import { ClusterState } from './cluster-state';
import type { MetadataRecord } from './metadata-records';

/** Test helper: a state machine plus a `commit` that appends records as the next entry, like the coordinator. */
export class TestCluster {
  readonly state = new ClusterState();
  readonly entries: { offset: number; records: MetadataRecord[] }[] = [];

  constructor() {
    this.commit([{ type: 'InitCluster', clusterId: 'test-cluster' }]);
  }

  commit(records: MetadataRecord[]): void {
    if (records.length === 0) return;
    const entry = { offset: this.state.offset + 1, records };
    this.state.apply(entry);
    this.entries.push(entry);
  }
}
