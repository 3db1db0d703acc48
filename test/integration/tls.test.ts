/**
 * TLS to Looker is verified unless the operator turns it off, and turning it off affects Looker
 * requests only: not the process (the SDK's own switch sets NODE_TLS_REJECT_UNAUTHORIZED=0).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closeServer, listenOnLoopback } from '../stack/loopback.js';
import { startHarness, type Harness } from '../support/harness.js';
import { progressDoc } from '../support/oracle.js';

let h: Harness;
let proxy: Server;
let httpsUrl: string;

before(async () => {
  h = await startHarness();
  // A self-signed certificate in front of the Looker fake: what a self-hosted Looker often has.
  const dir = mkdtempSync(join(tmpdir(), 'looker-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const target = new URL(h.stack.looker.url);
  proxy = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    },
  );
  httpsUrl = `https://127.0.0.1:${await listenOnLoopback(proxy as unknown as import('node:http').Server)}`;
});
after(async () => {
  await closeServer(proxy as unknown as import('node:http').Server);
  await h?.stop();
});

describe('TLS to Looker', () => {
  it('refuses an untrusted certificate by default: 500 saying how to fix it, nothing done', async () => {
    const res = await h.instance({ LOOKER_BASE_URL: httpsUrl })({ explores: ['history'] });
    assert.equal(res.status, 500, JSON.stringify(res.body));
    const explore = res.body.instances[0].explores[0];
    const failure = explore.error ?? explore.windows[0].error;
    assert.match(failure.message, /TLS certificate not trusted/);
    assert.equal(failure.transient, false);
    assert.equal(await progressDoc(h.clients.firestore, h), undefined);
  });

  it('accepts it when LOOKER_VERIFY_SSL=false, with a warning, and only for Looker', async () => {
    const res = await h.instance({ LOOKER_BASE_URL: httpsUrl, LOOKER_VERIFY_SSL: 'false' })({
      explores: ['history'],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(
      h.logs.lines.some(
        (l) => l.severity === 'WARNING' && /LOOKER_VERIFY_SSL is false/.test(String(l.message)),
      ),
    );
    assert.equal(
      process.env.NODE_TLS_REJECT_UNAUTHORIZED,
      undefined,
      'TLS checks were turned off for the whole process',
    );
  });
});
