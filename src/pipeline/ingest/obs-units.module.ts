import { Module } from '@nestjs/common';
import { ObsUnitController } from './obs-unit.controller';
import { ObsUnitService } from './obs-unit.service';

@Module({ controllers: [ObsUnitController], providers: [ObsUnitService], exports: [ObsUnitService] })
export class ObsUnitsModule {}
