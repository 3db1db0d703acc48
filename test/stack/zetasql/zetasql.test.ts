/**
 * The ZetaSQL wrapper against the real reference implementation: one server for the file,
 * started at the first call. Values of every supported type go in as table rows and come back
 * unchanged; a JOIN with COUNT(DISTINCT) and AVG is answered; errors are typed and point into
 * the caller's text; parameters work by name and by position.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ZetaSql, ZetaSqlError, type Column } from './index.js';

const engine = new ZetaSql();
after(() => engine.close());

const history = {
  path: ['proj.archive.history'],
  columns: [
    { name: 'query_id', type: 'INT64' },
    { name: 'user_id', type: 'INT64' },
    { name: 'runtime', type: 'FLOAT64' },
  ] satisfies Column[],
  rows: [
    [1n, 1n, 2],
    [1n, 1n, 4],
    [2n, 1n, 6],
    [3n, 2n, null],
  ],
};
const users = {
  path: ['archive', 'user'],
  columns: [
    { name: 'id', type: 'INT64' },
    { name: 'name', type: 'STRING' },
  ] satisfies Column[],
  rows: [
    [1n, 'ann'],
    [2n, 'bob'],
  ],
};

describe('ZetaSQL wrapper', () => {
  it('answers a JOIN with COUNT(DISTINCT) and AVG over given rows, tables named as BigQuery writes them', async () => {
    const sql = `SELECT u.name, COUNT(DISTINCT query_id) AS queries, AVG(history.runtime) AS avg_runtime
      FROM \`proj.archive.history\` JOIN archive.user AS u ON u.id = history.user_id
      GROUP BY u.name ORDER BY u.name`;
    assert.deepEqual(await engine.tableNames(sql), [['archive', 'user'], ['proj.archive.history']]);
    const result = await engine.evaluate(sql, { tables: [history, users] });
    assert.deepEqual(result.columns, [
      { name: 'name', type: 'STRING' },
      { name: 'queries', type: 'INT64' },
      { name: 'avg_runtime', type: 'FLOAT64' },
    ]);
    assert.deepEqual(result.rows, [
      ['ann', 2n, 4],
      ['bob', 1n, null],
    ]);
  });

  it('keeps every supported type unchanged through a table and back', async () => {
    const columns: Column[] = [
      { name: 'i', type: 'INT64' },
      { name: 'f', type: 'FLOAT64' },
      { name: 'b', type: 'BOOL' },
      { name: 's', type: 'STRING' },
      { name: 'by', type: 'BYTES' },
      { name: 'd', type: 'DATE' },
      { name: 'dt', type: 'DATETIME' },
      { name: 't', type: 'TIME' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'n', type: 'NUMERIC' },
      { name: 'bn', type: 'BIGNUMERIC' },
      { name: 'j', type: 'JSON' },
      { name: 'a', type: { arrayOf: 'STRING' } },
      {
        name: 'r',
        type: {
          structOf: [
            { name: 'x', type: 'INT64' },
            { name: 'y', type: 'DATE' },
          ],
        },
      },
    ];
    const rows = [
      [
        -(2n ** 63n),
        -0.5,
        true,
        'é€',
        'AAEC/w==',
        '1959-12-31',
        '2026-11-22T23:59:59.123456',
        '01:02:03.5',
        -1_500_000n,
        '-12345678901234567890.123456789',
        '0.00000000000000000000000000000000000001',
        '{"a":[1,2]}',
        ['x', 'y'],
        { x: 7n, y: '2026-01-01' },
      ],
      columns.map(() => null),
    ];
    const result = await engine.evaluate('SELECT * FROM t', { tables: [{ path: ['t'], columns, rows }] });
    assert.deepEqual(result.columns, columns);
    // A NULL array stays NULL in ZetaSQL (BigQuery would answer []): the wrapper does not hide it.
    assert.deepEqual(result.rows, rows);
  });

  it('analyzes without rows: output columns, columns read per table, only queries, or the analyzer message located in the original text', async () => {
    assert.deepEqual(
      await engine.analyze(
        'SELECT COUNT(*) AS n, MAX(u.name) FROM archive.user u JOIN `proj.archive.history` h ON h.user_id = u.id',
        { tables: [history, users] },
      ),
      {
        columns: [
          { name: 'n', type: 'INT64' },
          { name: '$col2', type: 'STRING' },
        ],
        reads: [
          { path: ['proj.archive.history'], columns: ['user_id'] },
          { path: ['archive', 'user'], columns: ['id', 'name'] },
        ],
      },
    );
    await assert.rejects(
      engine.analyze('CREATE VIEW v AS SELECT 1 AS x'),
      (error: unknown) =>
        error instanceof ZetaSqlError &&
        error.message === 'Statement not supported: CreateViewStatement [at 1:1]',
    );
    await assert.rejects(
      engine.analyze(
        'SELECT u.name FROM `proj.archive.history` JOIN archive.user u ON u.id = history.user_id WHERE nope = 1',
        {
          tables: [history, users],
        },
      ),
      (error: unknown) =>
        error instanceof ZetaSqlError &&
        error.kind === 'invalid' &&
        error.message === 'Unrecognized name: nope; Did you mean name? [at 1:95]',
    );
    await assert.rejects(
      engine.analyze('SELECT * FROM archive.missing', { tables: [users] }),
      (error: unknown) =>
        error instanceof ZetaSqlError && error.kind === 'invalid' && /archive\.missing/.test(error.message),
    );
  });

  it('binds named and positional parameters', async () => {
    const named = await engine.evaluate('SELECT name FROM archive.user WHERE id = @id', {
      tables: [users],
      parameters: [{ name: 'id', type: 'INT64', value: 2n }],
    });
    assert.deepEqual(named.rows, [['bob']]);
    const positional = await engine.evaluate(
      'SELECT name FROM archive.user WHERE id = ? OR name = ? ORDER BY id',
      {
        tables: [users],
        parameters: [
          { type: 'INT64', value: 2n },
          { type: 'STRING', value: 'ann' },
        ],
      },
    );
    assert.deepEqual(positional.rows, [['ann'], ['bob']]);
  });

  it('fails typed once closed', async () => {
    const closed = new ZetaSql();
    await closed.close();
    await assert.rejects(
      closed.analyze('SELECT 1'),
      (error: unknown) => error instanceof ZetaSqlError && error.kind === 'engine',
    );
  });
});
