import { byArrival, type DeliveryRecord } from './delivery-store';

/**
 * Deliveries waiting for the worker, taken one at a time in arrival order. One at a time is
 * deliberate: each step is a couple of reads and the engine's own start, and two triggers of one
 * issue handled side by side would race for the same task.
 */
export class DeliveryQueue {
  private readonly waiting: DeliveryRecord[] = [];
  private readonly known = new Set<string>();
  private running = false;
  private current: Promise<void> | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly work: (record: DeliveryRecord) => Promise<void>,
    /** A delivery whose handling threw stays on disk as it was, to be taken again at the next start. */
    private readonly onError: (record: DeliveryRecord, err: unknown) => void,
  ) {}

  /** Adds deliveries (a duplicate id is taken once) and keeps the queue in arrival order. */
  add(...records: DeliveryRecord[]): void {
    let added = false;
    for (const record of records) {
      if (this.known.has(record.id)) continue;
      this.known.add(record.id);
      this.waiting.push(record);
      added = true;
    }
    if (!added) return;
    this.waiting.sort(byArrival);
    this.pump();
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops taking deliveries; the one in hand is finished. What is left stays on disk for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    await this.current;
    this.settleIdle();
  }

  /** Resolves when nothing is waiting or in hand (or the queue is stopped). */
  idle(): Promise<void> {
    if (!this.current && (!this.running || !this.waiting.length)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (!this.running || this.current) return;
    this.current = this.drain().finally(() => {
      this.current = null;
      // A delivery added while the loop was ending would otherwise wait for the next one.
      if (this.running && this.waiting.length) this.pump();
      else this.settleIdle();
    });
  }

  private async drain(): Promise<void> {
    while (this.running) {
      const record = this.waiting.shift();
      if (!record) return;
      try {
        await this.work(record);
      } catch (err) {
        this.onError(record, err);
      } finally {
        this.known.delete(record.id);
      }
    }
  }

  private settleIdle(): void {
    if (this.current || (this.running && this.waiting.length)) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
