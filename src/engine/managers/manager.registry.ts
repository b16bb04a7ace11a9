import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { Manager, PIPELINE_MANAGER, PipelineManagerOptions } from './pipeline-manager';

export interface RegisteredManager {
  options: PipelineManagerOptions;
  manager: Manager;
}

/** The @PipelineManager providers of the application, found at start-up; kinds must be unique. */
@Injectable()
export class ManagerRegistry implements OnModuleInit {
  private readonly managers = new Map<string, RegisteredManager>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const { instance, metatype } of this.discovery.getProviders()) {
      if (!instance || !metatype) continue;
      const options = this.reflector.get<PipelineManagerOptions | undefined>(PIPELINE_MANAGER, metatype);
      if (!options) continue;
      if (this.managers.has(options.kind)) throw new Error(`two managers of kind ${options.kind}`);
      this.managers.set(options.kind, { options, manager: instance as Manager });
    }
  }

  all(): RegisteredManager[] {
    return [...this.managers.values()];
  }

  get(kind: string): RegisteredManager {
    const found = this.managers.get(kind);
    if (!found) throw new Error(`no manager of kind ${kind}`);
    return found;
  }
}
