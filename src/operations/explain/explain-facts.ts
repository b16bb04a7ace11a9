/** Everything the explanation of one file is made of, read from the database in one go. */
export interface ExplainFacts {
  now: Date;
  file: {
    id: string;
    path: string;
    size: number;
    sha256: string;
    registeredAt: Date;
    obsUnit: string;
    instrument: string;
    module: string;
  };
  unit: { finishedAt: Date | null; lastFileAt: Date };
  /** Taken out of the pipeline by an operator (`ccat-dt file withdraw`), or null. */
  withdrawn: { at: Date; actor: string; reason: string } | null;
  /** The latest repair of a copy of the package (a heal), if one is open or failed. */
  heal: { status: string; detectedBy: string; location: string; failureReason: string | null } | null;
  settings: { obsUnitGraceMs: number; bundleMaxWaitMs: number; maxRetries: number };
  package: {
    id: string;
    name: string;
    status: string;
    state: string;
    retries: number;
    failureReason: string | null;
    completedAt: Date;
  } | null;
  bundle: {
    id: string;
    name: string;
    status: string;
    size: number;
    retries: number;
    failureReason: string | null;
    distributedAt: Date | null;
  } | null;
  transfers: {
    from: string;
    to: string;
    toSite: string;
    method: string;
    status: string;
    unpackStatus: string;
    bytes: number;
    retries: number;
    unpackRetries: number;
    failureReason: string | null;
  }[];
  /** Why no buffer at a site takes the bundle, when none does (inactive or full), by site. */
  blockedSites: { site: string; why: string }[];
  archiveSites: string[];
  archives: { site: string; status: string; retries: number; failureReason: string | null }[];
  /** Sites holding a counted archive copy of the package (package-safety.ts), in name order. */
  archivedAt: string[];
  /** The one definition of safe, applied to the package (false without one). */
  safety: { safe: boolean; minSites: number };
  copies: ExplainedCopy[];
  deletion: { paused: boolean; since: Date | null; by: string | null; reason: string | null };
}

export interface ExplainedCopy {
  kind: string;
  site: string;
  location: string;
  locationType: string;
  path: string;
  status: string;
  history: { at: Date; from: string | null; to: string; actor: string; reason: string | null }[];
}

/** The file's obs unit's priority, and every change of it (who, when, from what to what). */
export interface ExplainedPriority {
  priority: string;
  changes: { at: Date; from: string | null; to: string; actor: string; reason: string | null }[];
}

export interface Explanation {
  file: ExplainFacts['file'];
  /** Its obs unit's priority: an urgent unit's data goes ahead of the backlog. */
  priority: ExplainedPriority;
  /** The stage the file is at, in the spec's terms. */
  stage: string;
  safe: boolean;
  /** One sentence: where the file is and, unless it is safe, what it waits for. */
  verdict: string;
  copies: ExplainedCopy[];
  work: { what: string; status: string; retries: number; failureReason: string | null }[];
}
