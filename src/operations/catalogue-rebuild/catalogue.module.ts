import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { CatalogueCommand, CatalogueRebuildCommand } from './catalogue-rebuild.command';
import { CatalogueRebuildService } from './catalogue-rebuild.service';

/** The catalogue rebuilt from the long-term archives' sidecars (`ccat-dt catalogue rebuild --from-lta`). */
@Module({
  imports: [StorageModule, PhysicalCopiesModule],
  providers: [CatalogueRebuildService, CatalogueCommand, CatalogueRebuildCommand],
})
export class CatalogueModule {}
