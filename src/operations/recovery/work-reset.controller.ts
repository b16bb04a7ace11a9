import { Controller, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { actorOf, type AuthenticatedRequest } from '../../engine/auth/bearer-token.guard';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { workKind } from './work-kinds';
import { ResetOutcome, WorkResetService } from './work-reset.service';

const uuid = new ParseUUIDPipe();

/**
 * Operators' resets of failed work (admin scope): the row goes back to pending with its retry count one
 * higher, and its manager schedules it again. 404 for an unknown id, 409 for work that has not failed.
 */
@Controller()
@RequireScope(TokenScope.ADMIN)
export class WorkResetController {
  constructor(private readonly resets: WorkResetService) {}

  @Post('raw-data-packages/:id/reset')
  @HttpCode(200)
  resetPackage(@Param('id', uuid) id: string, @Req() req: AuthenticatedRequest): Promise<ResetOutcome> {
    return this.resets.resetFailed(workKind('package'), id, actorOf(req));
  }

  @Post('data-transfer-packages/:id/reset')
  @HttpCode(200)
  resetBundle(@Param('id', uuid) id: string, @Req() req: AuthenticatedRequest): Promise<ResetOutcome> {
    return this.resets.resetFailed(workKind('bundle'), id, actorOf(req));
  }

  @Post('data-transfers/:id/reset')
  @HttpCode(200)
  resetTransfer(@Param('id', uuid) id: string, @Req() req: AuthenticatedRequest): Promise<ResetOutcome> {
    return this.resets.resetFailed(workKind('transfer'), id, actorOf(req));
  }

  @Post('data-transfers/:id/unpack/reset')
  @HttpCode(200)
  resetUnpack(@Param('id', uuid) id: string, @Req() req: AuthenticatedRequest): Promise<ResetOutcome> {
    return this.resets.resetFailed(workKind('unpack'), id, actorOf(req));
  }

  @Post('staging-jobs/:id/reset')
  @HttpCode(200)
  resetStaging(@Param('id', uuid) id: string, @Req() req: AuthenticatedRequest): Promise<ResetOutcome> {
    return this.resets.resetFailed(workKind('staging'), id, actorOf(req));
  }

  @Post('long-term-archive-transfers/:id/reset')
  @HttpCode(200)
  resetArchive(@Param('id', uuid) id: string, @Req() req: AuthenticatedRequest): Promise<ResetOutcome> {
    return this.resets.resetFailed(workKind('archive'), id, actorOf(req));
  }
}
