import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cloudSdkRoot } from '../stack/firestore/index.js';
import type { Stack } from '../stack/index.js';

const run = promisify(execFile);

/**
 * Google's own CLIs (gcloud storage, gcloud secrets, bq) pointed at the local stack, with a
 * throw-away configuration: independent judges of the fakes' fidelity.
 */
export function googleCli(stack: Stack) {
  const config = mkdtempSync(join(tmpdir(), 'gcloud-config-'));
  const token = join(config, 'token');
  writeFileSync(token, 'local-stack-token');
  const sdk = cloudSdkRoot();
  const env = {
    ...process.env,
    CLOUDSDK_CONFIG: config,
    CLOUDSDK_CORE_PROJECT: stack.projectId,
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${stack.gcs.url}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER: `${stack.secrets.restUrl}/`,
    CLOUDSDK_WRAPPER: '1',
  };
  const options = { env, encoding: 'buffer' as const, timeout: 90_000, maxBuffer: 256 * 1024 * 1024 };
  return {
    async gcloud(...args: string[]): Promise<Buffer> {
      const { stdout } = await run('gcloud', [...args, `--access-token-file=${token}`], options);
      return stdout;
    },
    async bq(...args: string[]): Promise<string> {
      const { stdout } = await run(
        join(sdk, 'platform/bundledpythonunix/bin/python3'),
        [
          join(sdk, 'platform/bq/bq.py'),
          `--api=${stack.bigquery.url}`,
          `--discovery_file=${join(sdk, 'platform/bq/discovery_next/bigquery.json')}`,
          `--project_id=${stack.projectId}`,
          '--oauth_access_token=local-stack-token',
          '--nouse_google_auth',
          ...args,
        ],
        options,
      );
      return stdout.toString();
    },
  };
}
