import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { instanceToPlain } from 'class-transformer';
import { DomainError } from '../../engine/errors/domain-error';
import { Environment } from '../../config/environment';
import { FinishObsUnitDto } from '../../pipeline/ingest/dto/finish-obs-unit.dto';
import { StartObsUnitDto } from '../../pipeline/ingest/dto/start-obs-unit.dto';
import { RegisterRawDataFileDto } from '../../pipeline/ingest/dto/register-raw-data-file.dto';
import { RegisterRawDataFilesBulkDto } from '../../pipeline/ingest/dto/register-raw-data-files-bulk.dto';
import { JournalEntry } from './relay-journal';
import { Registration, SiteRelayService } from './site-relay.service';

/** The answer to an accepted registration: on the relay's disk, delivered to the central API later. */
export interface Accepted {
  accepted: true;
  seq: number;
  acceptedAt: string;
  state: Registration['state'];
  /** Files in the entry (bulk), or 1. */
  received: number;
}

/**
 * The instruments' ingest routes, at the site: the same paths and the same DTO validation as the central
 * API (a bad request gets the same 400 and is not journaled), answered 202 once the registration is on
 * the relay's disk. What needs the central database to check (an unknown instrument or location, a
 * conflicting re-registration) is found at delivery and ends in the dead letters.
 */
@ApiTags('site relay')
@ApiBearerAuth()
@Controller()
export class SiteRelayController {
  constructor(
    private readonly relay: SiteRelayService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  @Post('executed-obs-units/start')
  @HttpCode(202)
  @ApiOperation({ summary: 'Journal the start of an executed obs unit' })
  async start(@Body() dto: StartObsUnitDto): Promise<Accepted> {
    return this.answer(await this.relay.accept('obs-unit.start', plain(dto)));
  }

  @Put('executed-obs-units/:id/finish')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Journal the finish of an executed obs unit (its time is taken now if not given)',
  })
  async finish(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: FinishObsUnitDto,
  ): Promise<Accepted> {
    return this.answer(await this.relay.acceptFinish(id, plain(dto)));
  }

  @Post('raw-data-files')
  @HttpCode(202)
  @ApiOperation({ summary: 'Journal the registration of one file' })
  async register(@Body() dto: RegisterRawDataFileDto): Promise<Accepted> {
    return this.answer(await this.relay.accept('raw-data-file', plain(dto)));
  }

  @Post('raw-data-files/bulk')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Journal the registration of many files (delivered as one all-or-nothing request)',
  })
  async registerBulk(@Body() dto: RegisterRawDataFilesBulkDto): Promise<Accepted> {
    const max = this.config.get('BULK_MAX_FILES', { infer: true });
    if (dto.files.length > max) {
      throw new DomainError('VALIDATION', `files: at most ${max} files per request, got ${dto.files.length}`);
    }
    return this.answer(await this.relay.accept('raw-data-files.bulk', plain(dto)));
  }

  @Get('executed-obs-units/:id')
  @ApiOperation({ summary: 'Whether the start of this obs unit was delivered' })
  obsUnit(@Param('id', new ParseUUIDPipe()) id: string): Registration {
    return this.lookup(id);
  }

  @Get('raw-data-files/:id')
  @ApiOperation({ summary: 'Whether the registration of this file was delivered' })
  file(@Param('id', new ParseUUIDPipe()) id: string): Registration {
    return this.lookup(id.toLowerCase());
  }

  private lookup(id: string): Registration {
    const found = this.relay.registration(id);
    if (!found) throw new DomainError('NOT_FOUND', `${id} was not registered through this site relay`);
    return found;
  }

  private answer(entry: JournalEntry): Accepted {
    const files = entry.body.files;
    return {
      accepted: true,
      seq: entry.seq,
      acceptedAt: entry.at,
      state: this.relay.stateOf(entry.seq),
      received: Array.isArray(files) ? files.length : 1,
    };
  }
}

/** The validated DTO as the JSON the central API expects (lower-cased checksum and all). */
function plain(dto: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(instanceToPlain(dto))) as Record<string, unknown>;
}
