import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { renderList } from './table.js';
import { VOLUME_HEADERS, volumeFormat, volumeRows, type ApiVolume } from './volume-row.js';

const volumes: ApiVolume[] = [
  { Name: 'vol10', Driver: 'local', Mountpoint: '/var/lib/docker/volumes/vol10/_data', Scope: 'local', Labels: {} },
  { Name: 'vol2', Driver: 'local', Mountpoint: '/var/lib/docker/volumes/vol2/_data', Scope: 'local', Labels: { env: 'prod', tier: 'db' } },
  { Name: 'a-very-long-volume-name', Driver: 'nfs', Mountpoint: '', Scope: 'global', Labels: null },
];
const ls = (format: string, list = volumes): string => renderList({ format, rows: volumeRows(list), headers: VOLUME_HEADERS });

describe('docker volume ls output', () => {
  it('prints the default table, names in natural order', () => {
    assert.equal(
      ls(volumeFormat('')),
      'DRIVER    VOLUME NAME\nnfs       a-very-long-volume-name\nlocal     vol2\nlocal     vol10\n',
    );
  });

  it('prints names with --quiet, and the raw format', () => {
    assert.equal(ls(volumeFormat('table', { quiet: true })), 'a-very-long-volume-name\nvol2\nvol10\n');
    assert.equal(ls(volumeFormat('raw'), [volumes[1] as ApiVolume]), 'name: vol2\ndriver: local\n\n');
  });

  it('prints every column in JSON, N/A for what only swarm or `system df` knows', () => {
    assert.equal(
      ls('json', [volumes[1] as ApiVolume]),
      '{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"env=prod,tier=db","Links":"N/A","Mountpoint":"/var/lib/docker/volumes/vol2/_data","Name":"vol2","Scope":"local","Size":"N/A","Status":"N/A"}\n',
    );
  });

  it('renders labels, usage data and custom tables', () => {
    const used: ApiVolume = { ...(volumes[1] as ApiVolume), UsageData: { Size: 1_234_567, RefCount: 2 } };
    assert.equal(ls('{{.Label "tier"}}|{{.Label "nope"}}|{{.Links}}|{{.Size}}', [used]), 'db||2|1.235MB\n');
    assert.equal(ls('table {{.Name}}\t{{.Scope}}\t{{.Mountpoint}}', [volumes[0] as ApiVolume]), 'VOLUME NAME   SCOPE     MOUNTPOINT\nvol10         local     /var/lib/docker/volumes/vol10/_data\n');
  });
});
