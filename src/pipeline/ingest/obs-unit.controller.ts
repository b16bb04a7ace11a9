import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { TokenScope } from '../../engine/auth/api-token.entity';
import type { AuthenticatedRequest } from '../../engine/auth/bearer-token.guard';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { FinishObsUnitDto } from './dto/finish-obs-unit.dto';
import { StartObsUnitDto } from './dto/start-obs-unit.dto';
import { ObsUnitService } from './obs-unit.service';
import { ObsUnitView } from './obs-unit.view';

@ApiTags('executed obs units')
@ApiBearerAuth()
@Controller('executed-obs-units')
export class ObsUnitController {
  constructor(private readonly obsUnits: ObsUnitService) {}

  @Post('start')
  @RequireScope(TokenScope.INGEST)
  @ApiOperation({ summary: 'Start an executed obs unit (201 new, 200 if already started identically)' })
  async start(
    @Body() dto: StartObsUnitDto,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ObsUnitView> {
    const { created, value } = await this.obsUnits.start(dto, req.principal);
    res.status(created ? 201 : 200);
    return value;
  }

  @Put(':id/finish')
  @HttpCode(200)
  @RequireScope(TokenScope.INGEST)
  @ApiOperation({ summary: 'Mark an executed obs unit finished; its files can then be packaged' })
  finish(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: FinishObsUnitDto,
    @Req() req: AuthenticatedRequest,
  ): Promise<ObsUnitView> {
    return this.obsUnits.finish(id, dto, req.principal);
  }

  @Get(':id')
  @RequireScope(TokenScope.READ, TokenScope.INGEST)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ObsUnitView> {
    return this.obsUnits.get(id);
  }
}
