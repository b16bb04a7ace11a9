import { ExecutedObsUnit } from './executed-obs-unit.entity';
import { ObsUnitPriority } from './obs-unit-priority';

export interface ObsUnitView {
  id: string;
  obsUnit: string;
  instrument: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: string | null;
  metadata: Record<string, unknown> | null;
  priority: ObsUnitPriority;
}

export function toObsUnitView(unit: ExecutedObsUnit, instrumentName: string): ObsUnitView {
  return {
    id: unit.id,
    obsUnit: unit.obsUnit,
    instrument: instrumentName,
    startedAt: unit.startedAt.toISOString(),
    finishedAt: unit.finishedAt?.toISOString() ?? null,
    outcome: unit.outcome,
    metadata: unit.metadata,
    priority: unit.priority,
  };
}
