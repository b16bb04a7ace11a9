import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { assertWithinBinding, BoundToken } from '../../engine/auth/ingest-binding';
import { Instrument } from '../../catalog/observatory/instrument.entity';
import { FinishObsUnitDto } from './dto/finish-obs-unit.dto';
import { StartObsUnitDto } from './dto/start-obs-unit.dto';
import { ExecutedObsUnit } from './executed-obs-unit.entity';
import { ObsUnitView, toObsUnitView } from './obs-unit.view';
import { ObsUnitPriority } from './obs-unit-priority';
import { recordPriorityChange } from './obs-unit-priority.queries';

export interface Outcome<T> {
  created: boolean;
  value: T;
}

@Injectable()
export class ObsUnitService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Idempotent on the instrument's id: the same start sent twice is one unit; a different one is a 409.
   * As for files: what does not exist is a 400, what exists outside the token's binding a 403.
   * The priority is the first start's: a start sent again (a relay delivering twice) never undoes what an
   * operator set since, and an urgent start is audited like an operator's change.
   */
  async start(dto: StartObsUnitDto, token?: BoundToken): Promise<Outcome<ObsUnitView>> {
    return this.dataSource.transaction(async (m) => {
      const instrument = await m.findOneBy(Instrument, { name: dto.instrument });
      if (!instrument) {
        throw new DomainError('VALIDATION', `instrument: unknown instrument ${dto.instrument}`, {
          field: 'instrument',
        });
      }
      assertWithinBinding(token, [{ instrument: instrument.name }]);
      const startedAt = new Date(dto.startedAt);
      const priority = dto.priority ?? ObsUnitPriority.NORMAL;
      const inserted: unknown[] = await m.query(
        `INSERT INTO executed_obs_unit (id, obs_unit, instrument_id, started_at, metadata, priority)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [
          dto.id,
          dto.obsUnit,
          instrument.id,
          startedAt,
          dto.metadata ? JSON.stringify(dto.metadata) : null,
          priority,
        ],
      );
      const unit = await m.findOneByOrFail(ExecutedObsUnit, { id: dto.id });
      const created = inserted.length > 0;
      if (created && priority !== ObsUnitPriority.NORMAL) {
        await recordPriorityChange(m, unit.id, {
          from: null,
          to: priority,
          actor: `token:${token?.name ?? 'unknown'}`,
          reason: null,
        });
      }
      if (
        !created &&
        (unit.obsUnit !== dto.obsUnit ||
          unit.instrumentId !== instrument.id ||
          unit.startedAt.getTime() !== startedAt.getTime())
      ) {
        throw new DomainError(
          'CONFLICT',
          `executed obs unit ${dto.id} was already started with different values`,
          {
            existing: toObsUnitView(unit, await this.instrumentName(unit.instrumentId)),
          },
        );
      }
      return { created, value: toObsUnitView(unit, instrument.name) };
    });
  }

  /** Finishing twice is fine; finishing with a different time than before is a 409. */
  async finish(id: string, dto: FinishObsUnitDto, token?: BoundToken): Promise<ObsUnitView> {
    return this.dataSource.transaction(async (m) => {
      const unit = await m.findOne(ExecutedObsUnit, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!unit) throw new DomainError('NOT_FOUND', `executed obs unit ${id} does not exist`);
      if (token?.binding) {
        assertWithinBinding(token, [{ instrument: await this.instrumentName(unit.instrumentId) }]);
      }
      const finishedAt = dto.finishedAt ? new Date(dto.finishedAt) : new Date();
      if (finishedAt < unit.startedAt) {
        throw new DomainError('VALIDATION', `finishedAt: ${finishedAt.toISOString()} is before startedAt`, {
          field: 'finishedAt',
        });
      }
      if (unit.finishedAt) {
        if (dto.finishedAt && unit.finishedAt.getTime() !== finishedAt.getTime()) {
          throw new DomainError(
            'CONFLICT',
            `executed obs unit ${id} already finished at ${unit.finishedAt.toISOString()}`,
          );
        }
      } else {
        unit.finishedAt = finishedAt;
        unit.outcome = dto.outcome ?? null;
        await m.update(ExecutedObsUnit, { id }, { finishedAt, outcome: unit.outcome });
      }
      return toObsUnitView(unit, await this.instrumentName(unit.instrumentId));
    });
  }

  async get(id: string): Promise<ObsUnitView> {
    const unit = await this.dataSource.getRepository(ExecutedObsUnit).findOneBy({ id });
    if (!unit) throw new DomainError('NOT_FOUND', `executed obs unit ${id} does not exist`);
    return toObsUnitView(unit, await this.instrumentName(unit.instrumentId));
  }

  private async instrumentName(instrumentId: number): Promise<string> {
    return (await this.dataSource.getRepository(Instrument).findOneByOrFail({ id: instrumentId })).name;
  }
}
