import { Module } from '@nestjs/common';
import { EventRelayManager } from './event-relay.manager';

/**
 * Events for downstream processing (docs/events.md): the relay from the outbox to the Redis Stream, run
 * in the managers role. The outbox rows themselves are written by the processors and by triggers.
 */
@Module({ providers: [EventRelayManager], exports: [EventRelayManager] })
export class EventsModule {}
