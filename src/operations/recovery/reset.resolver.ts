import { Args, Context, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { uuidArg } from '../../engine/graphql/uuid-arg';
import type { AdminContext } from '../admin-console/admin-loaders';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { actorOf } from '../../engine/auth/bearer-token.guard';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { changedSourceFile } from '../../pipeline/packaging/package-archive';
import { FailedWorkModel, ResetOutcomeModel, ResettableWork } from './reset-outcome.model';
import { WORK_KINDS, workKind } from './work-kinds';
import { ResetOutcome, WorkResetService } from './work-reset.service';
import { OperationStatus } from '../../engine/work/operation-status';

const MAX_FAILURES = 500;

/** Failed work, newest first, and the operators' reset of it: the console's "recent failures". */
@Resolver(() => ResetOutcomeModel)
@RequireScope(TokenScope.READ)
export class ResetResolver {
  constructor(
    private readonly resets: WorkResetService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Query(() => [FailedWorkModel], {
    description: `Failed work of every kind, newest first (at most ${MAX_FAILURES}).`,
  })
  async failedWork(
    @Args('first', { type: () => Int, defaultValue: 100 }) first: number,
  ): Promise<FailedWorkModel[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_FAILURES)
      throw new DomainError('VALIDATION', `first: must be 1 to ${MAX_FAILURES}`, { field: 'first' });
    // Table and column names come from WORK_KINDS, constants of the code; only the limit is input.
    const union = WORK_KINDS.map(
      (k) =>
        `SELECT '${k.name}' AS kind, w.id::text AS id, s.short_name || '_' || l.name AS location,
                w.failure_reason AS "failureReason", w.${k.retryColumn.sql} AS retries, w.updated_at AS "failedAt"
           FROM ${k.table} w JOIN data_location l ON l.id = w.${k.locationColumn} JOIN site s ON s.id = l.site_id
          WHERE w.${k.statusColumn.sql} = '${OperationStatus.FAILED}'`,
    ).join(' UNION ALL ');
    const rows: Omit<FailedWorkModel, 'changedFile'>[] = await this.dataSource.query(
      `${union} ORDER BY "failedAt" DESC, id LIMIT $1`,
      [first],
    );
    return rows.map((r) => ({
      ...r,
      changedFile: r.kind === 'package' ? changedSourceFile(r.failureReason) : null,
    }));
  }

  @Mutation(() => ResetOutcomeModel, { description: 'Puts FAILED work back to pending, to be tried again.' })
  @RequireScope(TokenScope.ADMIN)
  resetOperation(
    @Args('kind', { type: () => ResettableWork }) kind: ResettableWork,
    @Args('id', uuidArg('id')) id: string,
    @Context() ctx: AdminContext,
  ): Promise<ResetOutcome> {
    return this.resets.resetFailed(workKind(kind), id, actorOf(ctx.req));
  }
}
