import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  HISTORY_HEADERS,
  IMAGE_HEADERS,
  historyFormat,
  historyRows,
  imageFormat,
  imageRows,
  type ApiHistoryItem,
  type ApiImageSummary,
  type ImageRowOptions,
} from './image-rows.js';
import { renderList } from './table.js';

const now = new Date(Date.UTC(2024, 5, 1, 12, 0, 0));
const dayAgo = now.getTime() / 1000 - 24 * 3600;
const GO_ZERO_TIME = -62135596800;
const digestA = 'sha256:' + 'a'.repeat(64);
const digestB = 'sha256:' + 'b'.repeat(64);

const images = (format: string, list: ApiImageSummary[], opts: Partial<ImageRowOptions> = {}): string =>
  renderList({
    format,
    rows: imageRows(list, { trunc: true, now, timeZone: 'UTC', format, ...opts }),
    headers: IMAGE_HEADERS,
  });

// The images of docker/cli's TestImageContextWrite.
const list: ApiImageSummary[] = [
  { Id: 'imageID1', RepoTags: ['image:tag1'], RepoDigests: [`image@${digestA}`], Created: dayAgo },
  { Id: 'imageID2', RepoTags: ['image:tag2'], Created: GO_ZERO_TIME },
  { Id: 'imageID3', RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Created: dayAgo },
];

describe('docker images output', () => {
  it('prints the default table, N/A for unknown dates, <none> for dangling images', () => {
    assert.equal(
      images(imageFormat('table'), list),
      'REPOSITORY   TAG       IMAGE ID   CREATED        SIZE\n' +
        'image        tag1      imageID1   24 hours ago   0B\n' +
        'image        tag2      imageID2   N/A            0B\n' +
        '<none>       <none>    imageID3   24 hours ago   0B\n',
    );
  });

  it('adds the DIGEST column with --digests', () => {
    const format = imageFormat('table', { digests: true });
    assert.equal(
      images(format, list, { digests: true }),
      'REPOSITORY   TAG       DIGEST                                                                    IMAGE ID   CREATED        SIZE\n' +
        `image        tag1      ${digestA}   imageID1   24 hours ago   0B\n` +
        'image        tag2      <none>                                                                    imageID2   N/A            0B\n' +
        '<none>       <none>    <none>                                                                    imageID3   24 hours ago   0B\n',
    );
    assert.equal(imageFormat('table {{.ID}}', { digests: true }), 'table {{.ID}}\t{{.Digest}}');
  });

  it('prints IDs with --quiet and one JSON object per row', () => {
    assert.equal(images(imageFormat('table', { quiet: true }), list), 'imageID1\nimageID2\nimageID3\n');
    assert.equal(
      images('json', [list[0] as ApiImageSummary]),
      '{"Containers":"0","CreatedAt":"2024-05-31 12:00:00 +0000 UTC","CreatedSince":"24 hours ago","Digest":"\\u003cnone\\u003e","ID":"imageID1","Repository":"image","SharedSize":"0B","Size":"0B","Tag":"tag1","UniqueSize":"0B","VirtualSize":"0B"}\n',
    );
  });

  it('prints the raw format', () => {
    assert.equal(
      images(imageFormat('raw'), [list[0] as ApiImageSummary]),
      'repository: image\ntag: tag1\nimage_id: imageID1\ncreated_at: 2024-05-31 12:00:00 +0000 UTC\nvirtual_size: 0B\n\n',
    );
  });

  it('gives each tag a row; digests only when shown', () => {
    const img: ApiImageSummary = {
      Id: 'sha256:' + 'c'.repeat(64),
      RepoTags: ['docker.io/library/nginx:latest', 'nginx:1.25', 'ghcr.io/org/web:v1'],
      RepoDigests: [`nginx@${digestA}`, `nginx@${digestB}`, `other/app@${digestA}`],
      Created: dayAgo,
      Size: 187_654_321,
    };
    assert.equal(
      images('{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}', [img]),
      'nginx:latest cccccccccccc 188MB\nnginx:1.25 cccccccccccc 188MB\nghcr.io/org/web:v1 cccccccccccc 188MB\nother/app:<none> cccccccccccc 188MB\n',
    );
    assert.equal(
      images('{{.Repository}}:{{.Tag}}@{{.Digest}}', [img], { digests: true }),
      `nginx:latest@${digestA}\nnginx:latest@${digestB}\nnginx:1.25@${digestA}\nnginx:1.25@${digestB}\nghcr.io/org/web:v1@<none>\nother/app:<none>@${digestA}\n`,
    );
  });

  it('renders size and count columns', () => {
    const img: ApiImageSummary = { Id: 'x', RepoTags: ['a:b'], Size: 20000, SharedSize: 5000, Containers: 2 };
    assert.equal(images('{{.Size}} {{.VirtualSize}} {{.SharedSize}} {{.UniqueSize}} {{.Containers}}', [img]), '20kB 20kB 5kB 15kB 2\n');
    const unknown: ApiImageSummary = { Id: 'x', RepoTags: ['a:b'], Size: 20000, SharedSize: -1, Containers: -1 };
    assert.equal(images('{{.SharedSize}} {{.UniqueSize}} {{.Containers}}', [unknown]), 'N/A N/A N/A\n');
  });
});

describe('docker history output', () => {
  const created = now.getTime() / 1000 - 3 * 7 * 24 * 3600;
  const items: ApiHistoryItem[] = [
    {
      Id: 'sha256:' + 'd'.repeat(64),
      Created: created,
      CreatedBy: '/bin/sh -c #(nop)\tCMD ["nginx" "-g" "daemon off;"]',
      Size: 0,
      Comment: '',
    },
    { Id: '<missing>', Created: created, CreatedBy: '/bin/sh -c #(nop) ADD file:abc in /', Size: 77_800_000, Comment: 'buildkit.dockerfile.v0' },
    { Id: '<missing>', Created: 0, CreatedBy: '', Size: 0 },
  ];
  const history = (format: string, human = true, trunc = true): string =>
    renderList({ format, rows: historyRows(items, { trunc, human, now, timeZone: 'UTC' }), headers: HISTORY_HEADERS });

  it('prints the default table', () => {
    assert.equal(
      history(historyFormat('table')),
      'IMAGE          CREATED       CREATED BY                                      SIZE      COMMENT\n' +
        'dddddddddddd   3 weeks ago   /bin/sh -c #(nop) CMD ["nginx" "-g" "daemon …   0B        \n' +
        '<missing>      3 weeks ago   /bin/sh -c #(nop) ADD file:abc in /             77.8MB    buildkit.dockerfile.v0\n' +
        '<missing>      N/A                                                           0B        \n',
    );
  });

  it('prints dates and sizes for programs with --human=false', () => {
    const untabled = historyFormat('table', { human: false }).replace(/^table /, '');
    assert.equal(history(untabled, false).split('\n')[1], '<missing>\t2024-05-11T12:00:00Z\t/bin/sh -c #(nop) ADD file:abc in /\t77800000\tbuildkit.dockerfile.v0');
    assert.equal(history('{{.CreatedSince}}', false).split('\n')[0], '2024-05-11T12:00:00Z');
  });

  it('keeps long commands with --no-trunc', () => {
    assert.equal(history('{{.ID}} {{.CreatedBy}}', true, false).split('\n')[0], `sha256:${'d'.repeat(64)} /bin/sh -c #(nop) CMD ["nginx" "-g" "daemon off;"]`);
  });
});
