import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../../engine/auth/scopes.decorator';
import { DeadLetter } from './relay-progress';
import { RelayStatus, SiteRelayService } from './site-relay.service';

/**
 * What an operator (and a monitor) watches at the site. /health is 503 only for what needs a person: dead
 * letters or a journal that cannot be written. A link that is down is expected at 5,600 m: it shows as
 * linkUp false, a growing depth and lastError, not as ill health (a supervisor must not restart the relay
 * for it).
 */
@ApiTags('site relay')
@Controller()
export class SiteRelayStatusController {
  constructor(private readonly relay: SiteRelayService) {}

  @Get('health')
  @Public()
  health(@Res({ passthrough: true }) res: Response): {
    status: 'ok' | 'error';
    details: { siteRelay: RelayStatus & { status: 'up' | 'down' } };
  } {
    const status = this.relay.status();
    const ok = status.deadLetters === 0 && !status.journalError;
    res.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'error', details: { siteRelay: { status: ok ? 'up' : 'down', ...status } } };
  }

  @Get('site-relay/status')
  @ApiOperation({ summary: 'Journal depth, oldest undelivered age, last error, dead letters' })
  status(): RelayStatus {
    return this.relay.status();
  }

  @Get('site-relay/dead-letters')
  @ApiOperation({ summary: 'Every registration the central API refused, with the entry and the reason' })
  deadLetters(): DeadLetter[] {
    return this.relay.deadLetters();
  }
}
