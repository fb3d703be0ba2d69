import { LeaseTracker } from './lease-tracker';

describe('LeaseTracker', () => {
  it('reports a lease once, when it runs out, for the epoch it was granted to', () => {
    const l = new LeaseTracker();
    l.renew(1, 10, 0, 100);
    l.renew(2, 20, 0, 100);
    l.renew(1, 11, 50, 100);
    expect(l.takeExpired(99)).toEqual([]);
    expect(l.takeExpired(100)).toEqual([{ nodeId: 2, brokerEpoch: 20 }]);
    expect(l.takeExpired(200)).toEqual([{ nodeId: 1, brokerEpoch: 11 }]);
    expect(l.takeExpired(300)).toEqual([]);
  });
});
