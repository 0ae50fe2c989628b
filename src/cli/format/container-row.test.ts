import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  CONTAINER_HEADERS,
  checkContainerFormat,
  containerFormat,
  containerRows,
  type ApiContainerSummary,
} from './container-row.js';
import { FormatError, renderList } from './table.js';

const now = new Date(Date.UTC(2024, 5, 1, 12, 0, 0));
const nowSeconds = now.getTime() / 1000;
const dayAgo = nowSeconds - 24 * 3600;

// The containers of docker/cli's TestContainerContextWrite.
const containers: ApiContainerSummary[] = [
  { Id: 'containerID1', Names: ['/foobar_baz'], Image: 'ubuntu', Created: dayAgo, State: 'running' },
  { Id: 'containerID2', Names: ['/foobar_bar'], Image: 'ubuntu', Created: dayAgo, State: 'running' },
];

const ps = (format: string, list: ApiContainerSummary[] = containers, trunc = true): string =>
  renderList({ format, rows: containerRows(list, { trunc, now, timeZone: 'UTC' }), headers: CONTAINER_HEADERS });

describe('docker ps output', () => {
  it('prints the default table', () => {
    assert.equal(
      ps(containerFormat('')),
      'CONTAINER ID   IMAGE     COMMAND   CREATED        STATUS    PORTS     NAMES\n' +
        'containerID1   ubuntu    ""        24 hours ago                       foobar_baz\n' +
        'containerID2   ubuntu    ""        24 hours ago                       foobar_bar\n',
    );
  });

  it('shows images by their familiar names, and quotes commands, on every row alike', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const list: ApiContainerSummary[] = [
      { Id: 'c1', Names: ['/one'], Image: `docker.io/library/busybox:1.36@${digest}`, Command: 'sh -c "echo hi"', Created: dayAgo, State: 'running' },
      { Id: 'c2', Names: ['/two'], Image: `docker.io/library/busybox:1.36@${digest}`, Command: 'sh -c "echo hi"', Created: dayAgo, State: 'running' },
      { Id: 'c3', Names: ['/three'], Image: `127.0.0.1:5000/team/app@${digest}`, Command: 'true', Created: dayAgo, State: 'running' },
      { Id: 'c4', Names: ['/four'], Image: 'not a reference', Command: '', Created: dayAgo, State: 'running' },
    ];
    assert.equal(ps('{{.Image}} {{.Command}}', list),
      'busybox:1.36 "sh -c \\"echo hi\\""\nbusybox:1.36 "sh -c \\"echo hi\\""\n127.0.0.1:5000/team/app "true"\nnot a reference ""\n');
    // Untruncated: the image as given.
    assert.equal(ps('{{.Image}}', list.slice(2, 3), false), `127.0.0.1:5000/team/app@${digest}\n`);
  });

  it('adds SIZE with --size', () => {
    assert.equal(
      ps(containerFormat('table', { size: true })),
      'CONTAINER ID   IMAGE     COMMAND   CREATED        STATUS    PORTS     NAMES        SIZE\n' +
        'containerID1   ubuntu    ""        24 hours ago                       foobar_baz   0B\n' +
        'containerID2   ubuntu    ""        24 hours ago                       foobar_bar   0B\n',
    );
  });

  it('prints IDs only with --quiet, whatever the format', () => {
    assert.equal(ps(containerFormat('table {{.Image}}', { quiet: true })), 'containerID1\ncontainerID2\n');
    assert.equal(ps(containerFormat('table', { quiet: true })), 'containerID1\ncontainerID2\n');
  });

  it('prints custom tables and templates', () => {
    assert.equal(ps(containerFormat('table {{.Image}}')), 'IMAGE\nubuntu\nubuntu\n');
    assert.equal(ps(containerFormat('table {{.State}}', { size: true })), 'STATE\nrunning\nrunning\n');
    assert.equal(ps('{{.Image}}'), 'ubuntu\nubuntu\n');
    assert.equal(ps('table {{.Image}}\t{{.Size}}', []), 'IMAGE     SIZE\n');
  });

  it('prints the raw format', () => {
    const expected = (id: string, name: string): string =>
      `container_id: ${id}\nimage: ubuntu\ncommand: ""\ncreated_at: 2024-05-31 12:00:00 +0000 UTC\nstate: running\nstatus:\nnames: ${name}\nlabels:\nports:\nsize: 0B\n\n`;
    assert.equal(ps(containerFormat('raw', { size: true })), expected('containerID1', 'foobar_baz') + expected('containerID2', 'foobar_bar'));
    assert.equal(ps(containerFormat('raw', { quiet: true })), 'container_id: containerID1\ncontainer_id: containerID2\n');
  });

  it('prints one JSON object per container, keys sorted, HTML-escaped', () => {
    const list: ApiContainerSummary[] = [
      { ...containers[0], Id: 'containerID1', Created: nowSeconds - 65, Command: 'echo <a>&' } as ApiContainerSummary,
      { ...containers[1], Id: 'containerID2', Created: nowSeconds - 65, ImageManifestDescriptor: { platform: { architecture: 'amd64', os: 'linux' } } } as ApiContainerSummary,
      { ...containers[1], Id: 'containerID3', Created: nowSeconds - 65, ImageManifestDescriptor: { platform: {} } } as ApiContainerSummary,
    ];
    const created = '2024-06-01 11:58:55 +0000 UTC';
    const common = `"CreatedAt":"${created}"`;
    assert.equal(
      ps('json', list),
      `{"Command":"\\"echo \\u003ca\\u003e\\u0026\\"",${common},"ID":"containerID1","Image":"ubuntu","Labels":"","LocalVolumes":"0","Mounts":"","Names":"foobar_baz","Networks":"","Platform":null,"Ports":"","RunningFor":"About a minute ago","Size":"0B","State":"running","Status":""}\n` +
        `{"Command":"\\"\\"",${common},"ID":"containerID2","Image":"ubuntu","Labels":"","LocalVolumes":"0","Mounts":"","Names":"foobar_bar","Networks":"","Platform":{"architecture":"amd64","os":"linux"},"Ports":"","RunningFor":"About a minute ago","Size":"0B","State":"running","Status":""}\n` +
        `{"Command":"\\"\\"",${common},"ID":"containerID3","Image":"ubuntu","Labels":"","LocalVolumes":"0","Mounts":"","Names":"foobar_bar","Networks":"","Platform":{"architecture":"","os":""},"Ports":"","RunningFor":"About a minute ago","Size":"0B","State":"running","Status":""}\n`,
    );
    assert.equal(ps('{{json .ID}}'), '"containerID1"\n"containerID2"\n');
  });
});

describe('ps columns', () => {
  const yearAgo = nowSeconds - 365 * 24 * 3600;
  // docker/cli's TestContainerBackCompat, printed without truncation.
  const full: ApiContainerSummary = {
    Id: 'aabbccddeeff',
    Names: ['/foobar_baz'],
    Image: 'docker.io/library/ubuntu',
    ImageID: 'sha256:a5a665ff33eced1e0803148700880edab4269067ed77e27737a708d0d293fbf5',
    Command: '/bin/sh',
    Created: yearAgo,
    Ports: [{ PrivatePort: 8080, PublicPort: 8080, Type: 'tcp' }],
    SizeRw: 123,
    SizeRootFs: 12345,
    Labels: { label2: 'value2', label1: 'value1' },
    State: 'running',
    Status: 'running',
    NetworkSettings: null,
    Mounts: null,
  };
  const field = (name: string, c: ApiContainerSummary = full, trunc = false): string => ps(`{{ .${name} }}`, [c], trunc).trimEnd();

  it('renders each column like docker', () => {
    assert.equal(field('ID'), 'aabbccddeeff');
    assert.equal(field('Names'), 'foobar_baz');
    assert.equal(field('Image'), 'docker.io/library/ubuntu');
    assert.equal(field('Command'), '"/bin/sh"');
    assert.equal(field('CreatedAt'), '2023-06-02 12:00:00 +0000 UTC');
    assert.equal(field('RunningFor'), '12 months ago');
    assert.equal(field('Ports'), '8080/tcp');
    assert.equal(field('Status'), 'running');
    assert.equal(field('Size'), '123B (virtual 12.3kB)');
    assert.equal(field('Labels'), 'label1=value1,label2=value2');
    assert.equal(field('Mounts'), '');
    assert.equal(field('Networks'), '');
    assert.equal(field('LocalVolumes'), '0');
    assert.equal(field('Platform'), '<no value>');
    assert.equal(ps('{{.Label "label2"}}|{{.Label "nope"}}', [full]), 'value2|\n');
  });

  it('truncates IDs, image digests and commands unless --no-trunc', () => {
    const digest = 'sha256:' + 'b'.repeat(64);
    const c: ApiContainerSummary = { ...full, Id: 'a'.repeat(64), Command: "sh -c 'sleep 1000; echo done'" };
    assert.equal(field('ID', c, true), 'aaaaaaaaaaaa');
    assert.equal(field('ID', c, false), 'a'.repeat(64));
    assert.equal(field('Command', c, true), `"sh -c 'sleep 1000; …"`);
    assert.equal(field('Command', c, false), `"sh -c 'sleep 1000; echo done'"`);
    assert.equal(field('Image', { ...c, Image: `nginx:1.25@${digest}` }, true), 'nginx:1.25');
    assert.equal(field('Image', { ...c, Image: `docker.io/library/nginx@${digest}` }, true), 'nginx');
    assert.equal(field('Image', { ...c, Image: 'docker.io/library/ubuntu' }, true), 'ubuntu');
    assert.equal(field('Image', { ...c, Image: full.ImageID }, true), 'a5a665ff33ec');
    assert.equal(field('Image', { ...c, Image: `nginx@${digest}` }, false), `nginx@${digest}`);
    assert.equal(field('Image', { ...c, Image: '' }, true), '<no image>');
  });

  it('hides legacy link names when truncating', () => {
    const linked = { ...full, Names: ['/web/db', '/db'] };
    assert.equal(field('Names', linked, true), 'db');
    assert.equal(field('Names', linked, false), 'web/db,db');
  });

  it('lists mounts, cutting long names when truncating', () => {
    const mounted: ApiContainerSummary = {
      ...full,
      Mounts: [
        { Name: 'this-is-a-long-volume-name-and-will-be-truncated-if-trunc-is-set', Driver: 'local', Source: '/a/path' },
        { Driver: 'local', Source: '/a/path' },
        { Type: 'bind', Source: '/host' },
      ],
    };
    assert.equal(field('Mounts', mounted, true), 'this-is-a-long…,/a/path,/host');
    assert.equal(field('LocalVolumes', mounted, true), '2');
  });

  it('lists networks and the image platform', () => {
    const c = { ...full, NetworkSettings: { Networks: { bridge: {}, backend: {} } }, ImageManifestDescriptor: { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } } };
    assert.equal(field('Networks', c), 'bridge,backend');
    assert.equal(field('Platform', c), 'linux/arm64/v8');
  });

  it('makes unknown fields an error naming docker\'s type', () => {
    assert.throws(
      () => ps('{{.Nope}}'),
      new FormatError('template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext'),
    );
  });

  it('heads label columns with the key\'s last part', () => {
    const c = { ...full, Labels: { 'com.docker.swarm.node_name': 'ubuntu' } };
    assert.equal(ps('table {{.ID}}\t{{.Label "com.docker.swarm.node_name"}}', [c]), 'CONTAINER ID   node name\naabbccddeeff   ubuntu\n');
  });
});

describe('checkContainerFormat', () => {
  it('detects {{.Size}} so that ps can ask for sizes', () => {
    assert.deepEqual(checkContainerFormat('table {{.ID}}\t{{.Size}}'), { usesSize: true });
    assert.deepEqual(checkContainerFormat('{{if false}}{{.Size}}{{end}}'), { usesSize: false });
    // Marshalling a row calls every column, Size included; "json" itself is checked as plain text.
    assert.deepEqual(checkContainerFormat('{{json .}}'), { usesSize: true });
    assert.deepEqual(checkContainerFormat('json'), { usesSize: false });
  });

  it('words errors as docker ps does, with positions in the format as typed', () => {
    assert.throws(() => checkContainerFormat('{{.ID'), new FormatError('failed to parse template: template: :1: unclosed action'));
    assert.throws(
      () => checkContainerFormat('table {{.Nope}}'),
      new FormatError('failed to execute template: template: :1:8: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext'),
    );
  });
});
