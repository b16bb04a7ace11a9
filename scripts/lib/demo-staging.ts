import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IngestClient, registrationOf, WrittenFile } from './instrument';
import { cli } from './processes';

interface StagingJobView {
  id: string;
  status: string;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  failureReason: string | null;
}

/**
 * Stage 6 as processing would use it: an operator token asks for one obs unit at the Cologne processing
 * location, the demo follows the job until it is done, and then checks the staged files itself.
 */
export async function stageObsUnit(options: {
  baseUrl: string;
  env: NodeJS.ProcessEnv;
  obsUnit: string;
  files: WrittenFile[];
  processingRoot: string;
  say: (line: string) => void;
}): Promise<{ verified: number; job: StagingJobView }> {
  const admin = cli(
    ['token', 'create', '--name', 'demo-operator', '--scopes', 'admin', '--quiet'],
    options.env,
  ).trim();
  const client = new IngestClient(options.baseUrl, admin);
  const created = await client.call<StagingJobView & { message?: string }>('POST', '/staging-jobs', {
    location: 'cologne_ramses_processing',
    obsUnit: options.obsUnit,
  });
  if (created.status !== 201)
    throw new Error(`staging request refused (${created.status}): ${created.body.message}`);
  options.say(
    `staging job ${created.body.id}: ${created.body.filesTotal} files of ${options.obsUnit} to cologne/ramses_processing`,
  );
  const deadline = Date.now() + 120_000;
  let job = created.body;
  while (job.status !== 'completed') {
    if (job.status === 'failed') throw new Error(`staging failed: ${job.failureReason}`);
    if (Date.now() > deadline) throw new Error(`staging job ${job.id} still ${job.status} after 120 s`);
    await new Promise((r) => setTimeout(r, 500));
    job = (await client.call<StagingJobView>('GET', `/staging-jobs/${job.id}`)).body;
  }
  let verified = 0;
  for (const f of options.files) {
    // Staged below the site and location the file was registered at: paths are unique only per source.
    const { site, location } = registrationOf(f, '');
    const bytes = await readFile(join(options.processingRoot, site, location, f.path));
    if (createHash('sha256').update(bytes).digest('hex') === f.sha256) verified++;
  }
  options.say(
    `completed: ${job.filesDone}/${job.filesTotal} files, ${job.bytesDone} bytes; ${verified} of ${options.files.length} ` +
      'staged files read back by the demo hash to their registration',
  );
  return { verified, job };
}
