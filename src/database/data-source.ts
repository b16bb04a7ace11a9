import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadEnvironment } from '../config/environment';
import { typeOrmOptions } from './typeorm-options';

/** Standalone data source for the TypeORM CLI (`npm run typeorm -- migration:generate ...`). */
export default new DataSource(typeOrmOptions(loadEnvironment().DATABASE_URL));
