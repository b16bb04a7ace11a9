import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HeartbeatService } from '../../src/engine/heartbeats/heartbeat.service';

/**
 * The API keeps its own `health:api:{name}` key alive like every worker and manager, so that
 * `ccat-dt services`, `ccat-dt status` and the page count it among the live processes.
 */
@Injectable()
export class ApiHeartbeat implements OnApplicationBootstrap {
  constructor(private readonly heartbeat: HeartbeatService) {}

  onApplicationBootstrap(): void {
    this.heartbeat.register('api', () => ['rest', 'graphql']);
  }
}
