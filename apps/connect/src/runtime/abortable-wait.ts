/** A flag tasks wait on while paused. */
export class Gate {
  private waiters: (() => void)[] = [];
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.closed = false;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until opened (or the signal aborts). */
  async pass(signal: AbortSignal): Promise<void> {
    while (this.closed && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
}
