import { DomainError } from '../errors/domain-error';

/**
 * The allowed transitions of one status field, written down once. Services never assign a status
 * directly: they ask the machine, and persist with a compare-and-set on the previous status, so an
 * illegal or concurrent change fails and writes nothing.
 */
export class StateMachine<S extends string> {
  private readonly allowed: ReadonlyMap<S, ReadonlySet<S>>;

  constructor(
    readonly entity: string,
    readonly initial: readonly S[],
    transitions: Readonly<Record<S, readonly S[]>>,
  ) {
    this.allowed = new Map(
      (Object.entries(transitions) as [S, S[]][]).map(([from, to]) => [from, new Set(to)]),
    );
  }

  canTransition(from: S, to: S): boolean {
    return this.allowed.get(from)?.has(to) ?? false;
  }

  assertTransition(from: S, to: S): void {
    if (!this.canTransition(from, to)) {
      throw new DomainError('ILLEGAL_TRANSITION', `${this.entity} cannot go from ${from} to ${to}`);
    }
  }

  assertInitial(status: S): void {
    if (!this.initial.includes(status)) {
      throw new DomainError('ILLEGAL_TRANSITION', `${this.entity} cannot be created as ${status}`);
    }
  }

  /** The statuses from which `to` may be reached, for `UPDATE ... WHERE status IN (...)`. */
  predecessorsOf(to: S): S[] {
    return [...this.allowed.entries()].filter(([, targets]) => targets.has(to)).map(([from]) => from);
  }
}
