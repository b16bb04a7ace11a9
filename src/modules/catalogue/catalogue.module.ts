import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../physical-copies/physical-copies.module';
import { StorageModule } from '../storage/storage.module';
import { CatalogueCommand, CatalogueRebuildCommand } from './catalogue-rebuild.command';
import { CatalogueRebuildService } from './catalogue-rebuild.service';

/** The catalogue rebuilt from the long-term archives' sidecars (`ccat-dt catalogue rebuild --from-lta`). */
@Module({
  imports: [StorageModule, PhysicalCopiesModule],
  providers: [CatalogueRebuildService, CatalogueCommand, CatalogueRebuildCommand],
})
export class CatalogueModule {}
