import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '../../engine/errors/domain-error';
import { Environment } from '../../config/environment';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { actorOf, type AuthenticatedRequest } from '../../engine/auth/bearer-token.guard';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { RegisterRawDataFileDto } from './dto/register-raw-data-file.dto';
import { RegisterRawDataFilesBulkDto } from './dto/register-raw-data-files-bulk.dto';
import { RawDataFileService } from './raw-data-file.service';
import { BulkRegistrationResult, RawDataFileView } from './raw-data-file.view';

@ApiTags('raw data files')
@ApiBearerAuth()
@Controller('raw-data-files')
export class RawDataFileController {
  constructor(
    private readonly files: RawDataFileService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  @Post()
  @RequireScope(TokenScope.INGEST)
  @ApiOperation({
    summary: 'Register one file (201 new, 200 if already registered identically, 409 if different)',
  })
  async register(
    @Body() dto: RegisterRawDataFileDto,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RawDataFileView> {
    const { created, view } = await this.files.registerOne(dto, { actor: actorOf(req) }, req.principal);
    res.status(created ? 201 : 200);
    return view;
  }

  @Post('bulk')
  @HttpCode(200)
  @RequireScope(TokenScope.INGEST)
  @ApiOperation({ summary: 'Register many files in one transaction: all or nothing, idempotent per file id' })
  async registerBulk(
    @Body() dto: RegisterRawDataFilesBulkDto,
    @Req() req: AuthenticatedRequest,
  ): Promise<BulkRegistrationResult> {
    const max = this.config.get('BULK_MAX_FILES', { infer: true });
    if (dto.files.length > max) {
      throw new DomainError('VALIDATION', `files: at most ${max} files per request, got ${dto.files.length}`);
    }
    const outcome = await this.files.register(
      dto.files,
      { actor: actorOf(req) },
      (i, name) => `files[${i}].${name}`,
      req.principal,
    );
    return {
      received: dto.files.length,
      created: outcome.created.length,
      alreadyRegistered: dto.files.length - outcome.created.length,
    };
  }

  @Get(':id')
  @RequireScope(TokenScope.READ, TokenScope.INGEST)
  @ApiOperation({ summary: 'A registered file and every copy of it' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<RawDataFileView> {
    return this.files.get(id.toLowerCase());
  }
}
