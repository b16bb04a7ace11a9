import { Logger } from '@nestjs/common';

/**
 * Warnings that repeat for as long as an outage lasts (a Redis client failing to reconnect every second,
 * hours long at the observatory): the first is logged, then at most one per `everyMs` with the count of
 * those left out, and a line when it stops (`recovered`). The log says what happened, not a million times.
 */
export class RepeatedWarning {
  private suppressed = 0;
  private lastLoggedAt = 0;
  private active = false;

  constructor(
    private readonly logger: Logger,
    private readonly everyMs = 60_000,
  ) {}

  warn(message: string): void {
    const now = Date.now();
    if (this.active && now - this.lastLoggedAt < this.everyMs) {
      this.suppressed++;
      return;
    }
    const left = this.suppressed ? ` (${this.suppressed} more like it since the last)` : '';
    this.logger.warn(`${message}${left}`);
    this.active = true;
    this.lastLoggedAt = now;
    this.suppressed = 0;
  }

  recovered(message: string): void {
    if (!this.active) return;
    const left = this.suppressed ? ` after ${this.suppressed} more failures` : '';
    this.logger.log(`${message}${left}`);
    this.active = false;
    this.suppressed = 0;
  }
}
