export interface CopyView {
  site: string;
  location: string;
  locationType: string;
  status: string;
  path: string;
  verifiedAt: string;
}

export interface RawDataFileView {
  id: string;
  site: string;
  location: string;
  path: string;
  size: number;
  sha256: string;
  executedObsUnitId: string;
  instrument: string;
  instrumentModule: string;
  fileCreatedAt: string | null;
  fileType: string | null;
  metadata: Record<string, unknown> | null;
  registeredAt: string;
  rawDataPackageId: string | null;
  copies: CopyView[];
}

export interface BulkRegistrationResult {
  received: number;
  created: number;
  alreadyRegistered: number;
}
