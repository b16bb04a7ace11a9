import { QueueDescriptor } from '../queues/queue-descriptor';

/**
 * Something about a worker's own set-up that would make the jobs of the queues it serves wait (a setting
 * it lacks: WaitingForSetupError), checked after every discovery so that it is said once, at start or when
 * the topology changes, rather than at the first job. The stage that knows the setting provides it
 * (pipeline/transfer/http/pull-setup.check.ts); the worker app wires it here.
 */
export interface QueueSetupCheck {
  check(served: QueueDescriptor[]): Promise<void>;
}

export const QUEUE_SETUP_CHECK = Symbol('QUEUE_SETUP_CHECK');
