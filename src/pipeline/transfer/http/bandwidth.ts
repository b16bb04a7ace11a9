/**
 * A cap on bytes per second shared by every pull of this process: each chunk is paced to the rate, with up
 * to one second of burst. A rate of 0 is no cap.
 */
export class Bandwidth {
  private due = 0;

  constructor(private readonly bytesPerSecond: number) {}

  async take(bytes: number): Promise<void> {
    if (!this.bytesPerSecond) return;
    const now = Date.now();
    this.due = Math.max(this.due, now - 1000) + (bytes * 1000) / this.bytesPerSecond;
    const wait = this.due - now;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
