import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { actorOf, type AuthenticatedRequest } from '../../engine/auth/bearer-token.guard';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { CreateStagingJobDto } from './dto/create-staging-job.dto';
import { StagingJobService, StagingJobView } from './staging-job.service';

/** Stage 6 for processing: ask for archived data at a PROCESSING location, follow it, release it. */
@Controller('staging-jobs')
export class StagingJobController {
  constructor(private readonly jobs: StagingJobService) {}

  @Post()
  @RequireScope(TokenScope.ADMIN)
  create(@Body() dto: CreateStagingJobDto, @Req() req: AuthenticatedRequest): Promise<StagingJobView> {
    return this.jobs.create(dto, actorOf(req));
  }

  @Get(':id')
  @RequireScope(TokenScope.READ)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<StagingJobView> {
    return this.jobs.get(id);
  }

  @Post(':id/release')
  @HttpCode(200)
  @RequireScope(TokenScope.ADMIN)
  release(@Param('id', new ParseUUIDPipe()) id: string): Promise<StagingJobView> {
    return this.jobs.release(id);
  }
}
