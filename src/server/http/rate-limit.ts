/**
 * At most `limit` requests from one client in any `windowMs`: a sliding log of request times,
 * exact at the edges where a fixed-window counter lets through twice the limit.
 */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    /** Clients tracked at once; an address spray must not grow memory without bound. */
    private readonly maxClients = 10_000,
  ) {}

  /** Counts a request from `client`; when refused, says how many seconds until one is allowed. */
  take(client: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    const times = this.hits.get(client) ?? [];
    while (times.length && times[0]! <= now - this.windowMs) times.shift();
    if (times.length >= this.limit) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((times[0]! + this.windowMs - now) / 1000)) };
    }
    times.push(now);
    // Re-inserted so the map's order is least recently seen first, which is what eviction drops.
    this.hits.delete(client);
    this.hits.set(client, times);
    if (this.hits.size > this.maxClients) this.evict(now);
    return { allowed: true };
  }

  private evict(now: number): void {
    for (const [client, times] of this.hits) {
      if (this.hits.size <= this.maxClients) return;
      if (!times.length || times.at(-1)! <= now - this.windowMs) this.hits.delete(client);
    }
    // Every tracked client is active: forget the least recently seen ones.
    for (const client of this.hits.keys()) {
      if (this.hits.size <= this.maxClients) return;
      this.hits.delete(client);
    }
  }
}
