import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { NETWORK_HEADERS, networkFormat, networkRows, type ApiNetwork } from './network-row.js';
import { renderList } from './table.js';

const networks: ApiNetwork[] = [
  { Id: 'f'.repeat(64), Name: 'none', Driver: 'null', Scope: 'local', Created: '2024-01-02T03:04:05.123456789Z', EnableIPv4: false },
  { Id: 'b'.repeat(64), Name: 'bridge', Driver: 'bridge', Scope: 'local', Created: '2024-01-02T03:04:05Z', EnableIPv4: true, Labels: { a: '1' } },
  { Id: 'h'.repeat(64), Name: 'host', Driver: 'host', Scope: 'local', Created: '2024-01-02T04:04:05+01:00', EnableIPv4: false },
];
const ls = (format: string, trunc = true, list = networks): string =>
  renderList({ format, rows: networkRows(list, { trunc }), headers: NETWORK_HEADERS });

describe('docker network ls output', () => {
  it('prints the default table, sorted by name, IDs truncated', () => {
    assert.equal(
      ls(networkFormat('')),
      'NETWORK ID     NAME      DRIVER    SCOPE\n' +
        'bbbbbbbbbbbb   bridge    bridge    local\n' +
        'hhhhhhhhhhhh   host      host      local\n' +
        'ffffffffffff   none      null      local\n',
    );
  });

  it('prints full IDs with --no-trunc and --quiet', () => {
    assert.equal(ls(networkFormat('table', { quiet: true }), false).split('\n')[0], 'b'.repeat(64));
  });

  it('prints creation times as Go prints the parsed API timestamp', () => {
    assert.equal(
      ls('{{.Name}}: {{.CreatedAt}}'),
      'bridge: 2024-01-02 03:04:05 +0000 UTC\nhost: 2024-01-02 04:04:05 +0100 +0100\nnone: 2024-01-02 03:04:05.123456789 +0000 UTC\n',
    );
  });

  it('prints every column in JSON', () => {
    assert.equal(
      ls('json', true, [networks[1] as ApiNetwork]),
      '{"CreatedAt":"2024-01-02 03:04:05 +0000 UTC","Driver":"bridge","ID":"bbbbbbbbbbbb","IPv4":"true","IPv6":"false","Internal":"false","Labels":"a=1","Name":"bridge","Scope":"local"}\n',
    );
  });

  it('prints the raw format', () => {
    assert.equal(ls(networkFormat('raw'), true, [networks[1] as ApiNetwork]), 'network_id: bbbbbbbbbbbb\nname: bridge\ndriver: bridge\nscope: local\n\n');
  });
});
