import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { Explanation } from './explain-facts';
import { ExplainService } from './explain.service';

@Controller('raw-data-files')
export class ExplainController {
  constructor(private readonly explainer: ExplainService) {}

  /** Why this file is where it is: its stage, a one-sentence verdict, every copy with its history, its work. */
  @Get(':id/explain')
  @RequireScope(TokenScope.READ)
  explain(@Param('id', new ParseUUIDPipe()) id: string): Promise<Explanation> {
    return this.explainer.explain(id);
  }
}
