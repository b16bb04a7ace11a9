import {
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../../config/environment';
import { JournalEntry, RelayJournal, RelayOperation } from './relay-journal';
import { DeadLetter, RelayProgress } from './relay-progress';

/** A fully delivered journal larger than this is set aside at the next start (RelayJournal.open). */
const JOURNAL_ROTATE_BYTES = 64 * 1024 * 1024;

export type DeliveryState = 'pending' | 'delivered' | 'dead-letter';

/** What GET /site-relay/status, /health and /metrics show. */
export interface RelayStatus {
  journaled: number;
  delivered: number;
  /** Entries accepted but neither delivered nor dead-lettered yet. */
  depth: number;
  oldestUndeliveredAt: string | null;
  oldestUndeliveredSeconds: number;
  /** False from a failed delivery attempt until the next one succeeds. */
  linkUp: boolean;
  lastDeliveredAt: string | null;
  lastError: { at: string; message: string } | null;
  deadLetters: number;
  recentDeadLetters: Omit<DeadLetter, 'entry'>[];
  /** Set when the journal cannot be written: the relay then refuses registrations (503). */
  journalError: string | null;
}

export interface Registration {
  id: string;
  seq: number;
  op: RelayOperation;
  acceptedAt: string;
  state: DeliveryState;
  refusal?: string;
}

/**
 * The site relay's state: the journal of accepted registrations, how far delivery got, and an index from
 * the ids instruments made (obs units, files) to the entries that carried them, so instruments can ask.
 */
@Injectable()
export class SiteRelayService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SiteRelayService.name);
  private journal!: RelayJournal;
  private progress!: RelayProgress;
  /** Undelivered entries, oldest first. */
  private pending: JournalEntry[] = [];
  private readonly index = new Map<string, { seq: number; op: RelayOperation; at: string }>();
  /** The first finish journaled for each obs unit (a promise while it is being written). */
  private readonly finishes = new Map<string, Promise<JournalEntry>>();
  private wake?: () => void;
  private lastDeliveredAt: string | null = null;
  private lastError: RelayStatus['lastError'] = null;
  private linkUp = true;
  private journalError: string | null = null;

  constructor(private readonly config: ConfigService<Environment, true>) {}

  async onModuleInit(): Promise<void> {
    const dir = this.config.get('SITE_RELAY_DIR', { infer: true })!;
    this.progress = await RelayProgress.open(dir);
    const { journal, entries, droppedTornBytes } = await RelayJournal.open(dir, {
      delivered: this.progress.delivered,
      rotateBytes: JOURNAL_ROTATE_BYTES,
    });
    this.journal = journal;
    if (droppedTornBytes > 0) {
      this.logger.warn(`journal: cut off a torn last line of ${droppedTornBytes} bytes (never acknowledged)`);
    }
    if (this.progress.delivered > journal.last) {
      throw new Error(
        `${dir}: the delivery mark (${this.progress.delivered}) is past the journal's end (${journal.last})`,
      );
    }
    for (const entry of entries) this.remember(entry, entry.seq > this.progress.delivered);
    this.logger.log(
      `journal at ${dir}: ${journal.last} entries, delivered up to ${this.progress.delivered}, ` +
        `${this.pending.length} to deliver, ${this.progress.deadLetters.length} dead letters`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.journal?.close();
  }

  /** Journals one registration; resolves once it is on disk (a 503 if it cannot be written). */
  async accept(op: RelayOperation, body: Record<string, unknown>, target?: string): Promise<JournalEntry> {
    try {
      const entry = await this.journal.append(op, body, target);
      this.remember(entry, true);
      this.wake?.();
      return entry;
    } catch (err) {
      this.journalError = (err as Error).message;
      this.logger.error(`journal write failed, refusing registrations: ${this.journalError}`);
      // Not accepted, so the instrument keeps it and retries; a restart of the relay clears the state.
      throw new ServiceUnavailableException(
        `the site relay cannot write its journal (${this.journalError}); not accepted, retry later`,
      );
    }
  }

  /**
   * Journals a finish. The central API would take the time of delivery, which may be hours later, so a
   * finish without a time gets the relay's now; and a repeated finish without a time is the one already
   * journaled (as it would be centrally), also when both arrive at once.
   */
  async acceptFinish(unitId: string, body: Record<string, unknown>): Promise<JournalEntry> {
    const earlier = this.finishes.get(unitId);
    if (earlier && !body.finishedAt) return earlier;
    const written = this.accept(
      'obs-unit.finish',
      { ...body, finishedAt: body.finishedAt ?? new Date().toISOString() },
      unitId,
    );
    if (!earlier) {
      this.finishes.set(unitId, written);
      written.catch(() => this.finishes.delete(unitId));
    }
    return written;
  }

  registration(id: string): Registration | undefined {
    const found = this.index.get(id);
    if (!found) return undefined;
    const letter = this.progress.deadLetters.find((d) => d.seq === found.seq);
    return {
      id,
      seq: found.seq,
      op: found.op,
      acceptedAt: found.at,
      state: this.stateOf(found.seq),
      ...(letter ? { refusal: `${letter.status}: ${letter.message}` } : {}),
    };
  }

  deadLetters(): DeadLetter[] {
    return [...this.progress.deadLetters];
  }

  stateOf(seq: number): DeliveryState {
    if (seq > this.progress.delivered) return 'pending';
    return this.progress.deadLetters.some((d) => d.seq === seq) ? 'dead-letter' : 'delivered';
  }

  /** The oldest undelivered entry; waits up to `ms` for one to arrive. */
  async next(ms: number): Promise<JournalEntry | undefined> {
    if (!this.pending.length) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.pending[0];
  }

  async delivered(entry: JournalEntry): Promise<void> {
    await this.progress.advance(entry.seq);
    this.pending.shift();
    this.lastDeliveredAt = new Date().toISOString();
    if (!this.linkUp) this.logger.log('central API reachable again; delivering');
    this.linkUp = true;
  }

  /** The central API refused the entry for good: it goes to the dead letters and delivery moves on. */
  async refused(entry: JournalEntry, status: number, message: string): Promise<void> {
    await this.progress.addDeadLetter({
      seq: entry.seq,
      op: entry.op,
      status,
      message,
      refusedAt: new Date().toISOString(),
      entry,
    });
    this.logger.error(
      `DEAD LETTER: entry ${entry.seq} (${entry.op}) refused by the central API with ${status}: ${message}`,
    );
    await this.delivered(entry);
  }

  failed(message: string): void {
    if (this.linkUp) this.logger.warn(`delivery paused, central API unreachable or refusing: ${message}`);
    this.linkUp = false;
    this.lastError = { at: new Date().toISOString(), message };
  }

  status(): RelayStatus {
    const oldest = this.pending[0];
    const letters = this.progress.deadLetters;
    return {
      journaled: this.journal.last,
      delivered: this.progress.delivered,
      depth: this.pending.length,
      oldestUndeliveredAt: oldest?.at ?? null,
      oldestUndeliveredSeconds: oldest ? (Date.now() - Date.parse(oldest.at)) / 1000 : 0,
      linkUp: this.linkUp,
      lastDeliveredAt: this.lastDeliveredAt,
      lastError: this.lastError,
      deadLetters: letters.length,
      recentDeadLetters: letters.slice(-10).map(({ entry: _entry, ...rest }) => rest),
      journalError: this.journalError,
    };
  }

  private remember(entry: JournalEntry, undelivered: boolean): void {
    if (undelivered) this.pending.push(entry);
    const note = { seq: entry.seq, op: entry.op, at: entry.at };
    if (entry.op === 'obs-unit.start' || entry.op === 'raw-data-file')
      this.index.set(String(entry.body.id).toLowerCase(), note);
    if (entry.op === 'raw-data-files.bulk') {
      for (const file of entry.body.files as { id: string }[]) this.index.set(file.id.toLowerCase(), note);
    }
    if (entry.op === 'obs-unit.finish' && entry.target && !this.finishes.has(entry.target)) {
      this.finishes.set(entry.target, Promise.resolve(entry));
    }
  }
}
