// Reconnect delays: doubling from half a second up to 15 s, with jitter so that many
// browsers cut off by one server restart do not all come back in the same millisecond. Pure.
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 500,
    private readonly maxMs = 15000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one attempt. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    // Between 75 % and 100 % of the ceiling.
    return Math.round(ceiling * (0.75 + 0.25 * this.random()));
  }

  /** A connection succeeded: start again from the shortest delay. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
