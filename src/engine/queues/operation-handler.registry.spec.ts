import { ConfigService } from '@nestjs/config';
import { Injectable, Module, Provider, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { RawDataPackageProcessor } from '../../pipeline/packaging/raw-data-package.processor';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { StorageService } from '../storage/storage.service';
import { HandlesOperation, OperationHandler } from './operation-handler';
import { OperationHandlerRegistry } from './operation-handler.registry';
import { OperationType } from './operation-type';
import { DataTransferPackageProcessor } from '../../pipeline/bundling/data-transfer-package.processor';
import { DataTransferProcessor } from '../../pipeline/transfer/data-transfer.processor';
import { DataTransferUnpackProcessor } from '../../pipeline/transfer/data-transfer-unpack.processor';
import { MemberRefetch } from '../../pipeline/transfer/member-refetch';
import { LongTermArchiveProcessor } from '../../pipeline/archive/long-term-archive.processor';
import { DeletionProcessor } from '../../pipeline/deletion/deletion.processor';
import { StagingProcessor } from '../../pipeline/staging/staging.processor';
import { HttpTransferService } from '../../pipeline/transfer/http/http-transfer.service';
import { DeletionSwitchService } from '../../pipeline/deletion/deletion-switch.service';
import { MonitoringProcessor } from '../../operations/monitoring/monitoring.processor';
import { CopyRepairProcessor } from '../../operations/consistency/copy-repair.processor';
import { FixityProcessor } from '../../operations/consistency/fixity.processor';

/** Stands in for the built stages other than packaging, so each test varies packaging alone. */
@Injectable()
@HandlesOperation(OperationType.DATA_TRANSFER_PACKAGE_CREATION)
class FakeBundling implements OperationHandler {
  async handle() {
    return 'bundled';
  }
}

@Injectable()
@HandlesOperation(OperationType.DATA_TRANSFER)
class FakeTransfer implements OperationHandler {
  async handle() {
    return 'transferred';
  }
}

@Injectable()
@HandlesOperation(OperationType.DATA_TRANSFER_UNPACKING)
class FakeUnpack implements OperationHandler {
  async handle() {
    return 'unpacked';
  }
}

@Injectable()
@HandlesOperation(OperationType.LONG_TERM_ARCHIVE_TRANSFER)
class FakeArchive implements OperationHandler {
  async handle() {
    return 'archived';
  }
}

@Injectable()
@HandlesOperation(OperationType.DELETION)
class FakeDeletion implements OperationHandler {
  async handle() {
    return 'deleted';
  }
}

@Injectable()
@HandlesOperation(OperationType.STAGING)
class FakeStaging implements OperationHandler {
  async handle() {
    return 'staged';
  }
}

@Injectable()
@HandlesOperation(OperationType.MONITORING)
class FakeMonitoring implements OperationHandler {
  async handle() {
    return 'measured';
  }
}

@Injectable()
@HandlesOperation(OperationType.COPY_REPAIR)
class FakeCopyRepair implements OperationHandler {
  async handle() {
    return 'repaired';
  }
}

@Injectable()
@HandlesOperation(OperationType.FIXITY)
class FakeFixity implements OperationHandler {
  async handle() {
    return 'checked';
  }
}

/** Every operation but packaging, with a stand-in handler. */
const OTHER_HANDLERS = [
  FakeMonitoring,
  FakeCopyRepair,
  FakeFixity,
  FakeStaging,
  FakeBundling,
  FakeTransfer,
  FakeUnpack,
  FakeArchive,
  FakeDeletion,
];

@Injectable()
@HandlesOperation(OperationType.RAW_DATA_PACKAGE_CREATION)
class FakePackaging implements OperationHandler {
  async handle() {
    return 'packaged';
  }
}

@Injectable()
@HandlesOperation(OperationType.RAW_DATA_PACKAGE_CREATION)
class SecondPackaging implements OperationHandler {
  async handle() {
    return 'packaged again';
  }
}

@Injectable()
// A handler built against another release's operation list: the registry still refuses it at start.
@HandlesOperation('teleportation' as OperationType)
class UnknownOperation implements OperationHandler {
  async handle() {
    return undefined;
  }
}

/** Not a handler: the registry must look past it. */
@Injectable()
class UnrelatedService {}

/** Real handlers live in their stage's module, not beside the registry. */
@Module({ providers: [FakePackaging] })
class StageModule {}

describe('OperationHandlerRegistry', () => {
  const opened: TestingModule[] = [];

  const boot = async (providers: Provider[], imports: Type[] = []): Promise<TestingModule> => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule, ...imports],
      providers: [OperationHandlerRegistry, ...providers],
    }).compile();
    opened.push(moduleRef);
    await moduleRef.init();
    return moduleRef;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((m) => m.close().catch(() => undefined)));
  });

  it('starts with exactly one handler per operation, and hands each operation to its own', async () => {
    const moduleRef = await boot([...OTHER_HANDLERS, FakePackaging, UnrelatedService]);
    const registry = moduleRef.get(OperationHandlerRegistry);
    expect(registry.get(OperationType.RAW_DATA_PACKAGE_CREATION)).toBe(moduleRef.get(FakePackaging));
    expect(registry.get(OperationType.LONG_TERM_ARCHIVE_TRANSFER)).toBe(moduleRef.get(FakeArchive));
    expect(registry.get(OperationType.MONITORING)).toBe(moduleRef.get(FakeMonitoring));
    for (const op of Object.values(OperationType)) expect(registry.get(op)).toBeDefined();
  });

  it('finds handlers provided by imported modules', async () => {
    const moduleRef = await boot(OTHER_HANDLERS, [StageModule]);
    const handler = moduleRef.get(OperationHandlerRegistry).get(OperationType.RAW_DATA_PACKAGE_CREATION);
    expect(handler).toBeInstanceOf(FakePackaging);
  });

  it('accepts the real set: one processor per operation', async () => {
    // The processors' collaborators are placeholders: nothing is run.
    const moduleRef = await boot([
      RawDataPackageProcessor,
      DataTransferPackageProcessor,
      DataTransferProcessor,
      DataTransferUnpackProcessor,
      LongTermArchiveProcessor,
      DeletionProcessor,
      StagingProcessor,
      MonitoringProcessor,
      CopyRepairProcessor,
      FixityProcessor,
      { provide: DataSource, useValue: {} },
      { provide: StorageService, useValue: {} },
      { provide: PhysicalCopyService, useValue: {} },
      { provide: HttpTransferService, useValue: {} },
      { provide: MemberRefetch, useValue: {} },
      { provide: ConfigService, useValue: {} },
      { provide: DeletionSwitchService, useValue: {} },
    ]);
    const registry = moduleRef.get(OperationHandlerRegistry);
    expect(registry.get(OperationType.RAW_DATA_PACKAGE_CREATION)).toBeInstanceOf(RawDataPackageProcessor);
    expect(registry.get(OperationType.DATA_TRANSFER)).toBeInstanceOf(DataTransferProcessor);
  });

  it('refuses to start when an operation has no handler, naming it', async () => {
    await expect(boot(OTHER_HANDLERS)).rejects.toThrow(
      'Operation handlers are not one per operation: raw_data_package_creation has no handler',
    );
    const withoutStaging = OTHER_HANDLERS.filter((h) => h !== FakeStaging);
    await expect(boot([...withoutStaging, FakePackaging])).rejects.toThrow(
      /not one per operation: staging has no handler$/,
    );
  });

  it('refuses to start when an operation has two handlers, naming it and both', async () => {
    await expect(boot([...OTHER_HANDLERS, FakePackaging, SecondPackaging])).rejects.toThrow(
      /not one per operation: raw_data_package_creation has 2 handlers: (FakePackaging, SecondPackaging|SecondPackaging, FakePackaging)$/,
    );
  });

  it('reports every problem at once', async () => {
    const withoutStaging = OTHER_HANDLERS.filter((h) => h !== FakeStaging);
    const failure = boot([...withoutStaging, FakePackaging, SecondPackaging]);
    await expect(failure).rejects.toThrow(/raw_data_package_creation has 2 handlers/);
    await expect(failure).rejects.toThrow(/staging has no handler/);
  });

  it('refuses a handler of an operation that does not exist', async () => {
    await expect(boot([...OTHER_HANDLERS, FakePackaging, UnknownOperation])).rejects.toThrow(
      'UnknownOperation handles unknown operation teleportation',
    );
  });
});
